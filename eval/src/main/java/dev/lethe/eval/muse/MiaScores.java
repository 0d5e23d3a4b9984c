package dev.lethe.eval.muse;

import dev.lethe.eval.metrics.LossScore;
import dev.lethe.eval.metrics.MinKPlusPlus;
import dev.lethe.eval.metrics.MinKProb;
import dev.lethe.eval.metrics.ZlibScore;
import dev.lethe.eval.text.DocumentScorer;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Membership scores of each document of one set (algorithms.md 11.3; higher = less likely a member); {@link #of}
 * computes four, {@link #with} adds others (the runner adds lowercase and gradient norm):
 * LOSS = mean NLL of tokens 2..n ({@link LossScore}), zlib = LOSS / zlib-compressed UTF-8 bytes of the text
 * ({@link ZlibScore}), Min-k% and Min-k%++ over the lowest {@code max(1, int(N*k))} tokens ({@link MinKProb},
 * {@link MinKPlusPlus}; MUSE's {@code int(N*k)} without the floor of one only differs for documents under 1/k tokens).
 *
 * @param scores    per attack, one score per document
 * @param truncated documents cut to the scorer's maximum length
 */
public record MiaScores(Map<MiaAttack, double[]> scores, int truncated) implements java.io.Serializable {

    public MiaScores {
        Map<MiaAttack, double[]> ordered = new EnumMap<>(MiaAttack.class);
        ordered.putAll(scores);
        scores = java.util.Collections.unmodifiableMap(ordered);
    }

    /** Scores of documents from their texts and their teacher-forced token scores (with moments). */
    public static MiaScores of(List<String> texts, List<DocumentScorer.Scored> scored, double k) {
        if (texts.size() != scored.size()) {
            throw new IllegalArgumentException(texts.size() + " texts but " + scored.size() + " scored documents");
        }
        int n = texts.size();
        Map<MiaAttack, double[]> out = new EnumMap<>(MiaAttack.class);
        for (MiaAttack a : List.of(MiaAttack.LOSS, MiaAttack.ZLIB, MiaAttack.MIN_K, MiaAttack.MIN_K_PLUS_PLUS)) {
            out.put(a, new double[n]);
        }
        int cut = 0;
        for (int i = 0; i < n; i++) {
            DocumentScorer.Scored s = scored.get(i);
            double loss = LossScore.score(s.tokenLogProbs());
            out.get(MiaAttack.LOSS)[i] = loss;
            out.get(MiaAttack.ZLIB)[i] = ZlibScore.score(loss, texts.get(i));
            out.get(MiaAttack.MIN_K)[i] = MinKProb.score(s.tokenLogProbs(), k);
            if (s.mu() == null) {
                throw new IllegalArgumentException("Min-k%++ needs the per-position moments; score the documents"
                        + " with moments = true");
            }
            out.get(MiaAttack.MIN_K_PLUS_PLUS)[i] = MinKPlusPlus.score(s.tokenLogProbs(), s.mu(), s.variance(), k);
            cut += s.truncated() ? 1 : 0;
        }
        return new MiaScores(out, cut);
    }

    /** These scores with one more attack's (one score per document, same order). */
    public MiaScores with(MiaAttack a, double[] perDocument) {
        if (perDocument.length != size()) {
            throw new IllegalArgumentException(a.key() + ": " + perDocument.length + " scores for " + size()
                    + " documents");
        }
        Map<MiaAttack, double[]> m = new EnumMap<>(MiaAttack.class);
        m.putAll(scores);
        m.put(a, perDocument.clone());
        return new MiaScores(m, truncated);
    }

    public boolean has(MiaAttack a) {
        return scores.containsKey(a);
    }

    public double[] get(MiaAttack a) {
        double[] s = scores.get(a);
        if (s == null) {
            throw new IllegalArgumentException("no " + a.key() + " scores; the attacks scored are " + scores.keySet());
        }
        return s.clone();
    }

    public int size() {
        return scores.values().iterator().next().length;
    }
}
