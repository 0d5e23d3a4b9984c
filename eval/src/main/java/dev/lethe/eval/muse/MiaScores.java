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
 * The four membership scores of each document of one set (algorithms.md 11.3; higher = less likely a member):
 * LOSS = mean NLL of tokens 2..n ({@link LossScore}), zlib = LOSS / zlib-compressed UTF-8 bytes of the text
 * ({@link ZlibScore}), Min-k% and Min-k%++ over the lowest {@code max(1, int(N*k))} tokens ({@link MinKProb},
 * {@link MinKPlusPlus}; MUSE's {@code int(N*k)} without the floor of one only differs for documents under 1/k tokens).
 *
 * @param scores    per attack, one score per document
 * @param truncated documents cut to the scorer's maximum length
 */
public record MiaScores(Map<MiaAttack, double[]> scores, int truncated) {

    public MiaScores {
        scores = Map.copyOf(scores);
    }

    /** Scores of documents from their texts and their teacher-forced token scores (with moments). */
    public static MiaScores of(List<String> texts, List<DocumentScorer.Scored> scored, double k) {
        if (texts.size() != scored.size()) {
            throw new IllegalArgumentException(texts.size() + " texts but " + scored.size() + " scored documents");
        }
        int n = texts.size();
        Map<MiaAttack, double[]> out = new EnumMap<>(MiaAttack.class);
        for (MiaAttack a : MiaAttack.values()) {
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

    public double[] get(MiaAttack a) {
        return scores.get(a).clone();
    }

    public int size() {
        return scores.get(MiaAttack.LOSS).length;
    }
}
