package dev.lethe.eval.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * ROUGE-N and ROUGE-L (longest common subsequence) exactly as Google's {@code rouge_score} package
 * ({@code rouge_scorer.RougeScorer}, Lin 2004 "ROUGE: A Package for Automatic Evaluation of Summaries") computes them
 * with its default tokenizer: lower-case, every run of characters outside {@code [a-z0-9]} becomes a space, split on
 * whitespace, Porter-stem tokens longer than three characters when stemming is on (NLTK's default mode, see
 * {@link PorterStemmer}), drop empty tokens. Like {@code scorer.score(target, prediction)}, every method takes the
 * reference first. TOFU and SemEval-2025 Task 4 report {@code rougeL} recall with {@code use_stemmer=True}; MUSE
 * reports ROUGE-L F1. Instances are immutable and thread-safe.
 */
public final class Rouge {

    /** Precision, recall and F1 of one comparison, as {@code rouge_score.scoring.Score}. */
    public record Score(double precision, double recall, double fmeasure) {
    }

    private static final PorterStemmer STEMMER = new PorterStemmer();

    private final boolean useStemmer;

    /** @param useStemmer whether tokens longer than three characters are Porter-stemmed (TOFU/SemEval: true) */
    public Rouge(boolean useStemmer) {
        this.useStemmer = useStemmer;
    }

    /** The scorer TOFU and SemEval use: stemming on. */
    public static Rouge withStemmer() {
        return new Rouge(true);
    }

    /** Tokenizes like {@code rouge_score.tokenize.tokenize(text, stemmer)}. */
    public List<String> tokenize(String text) {
        if (text == null) {
            throw new IllegalArgumentException("ROUGE input text is null; pass an empty string for no text");
        }
        String lower = text.toLowerCase(Locale.ROOT);
        List<String> tokens = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i <= lower.length(); i++) {
            char c = i < lower.length() ? lower.charAt(i) : ' ';
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                cur.append(c);
            } else if (cur.length() > 0) {
                String tok = cur.toString();
                cur.setLength(0);
                if (useStemmer && tok.length() > 3) {
                    tok = STEMMER.stem(tok);
                }
                if (!tok.isEmpty()) {
                    tokens.add(tok);
                }
            }
        }
        return tokens;
    }

    /** ROUGE-1 (unigram overlap) of {@code prediction} against {@code reference}. */
    public Score rouge1(String reference, String prediction) {
        return rougeN(reference, prediction, 1);
    }

    /** ROUGE-N: clipped n-gram overlap; precision over prediction n-grams, recall over reference n-grams. */
    public Score rougeN(String reference, String prediction, int n) {
        if (n < 1) {
            throw new IllegalArgumentException("ROUGE-N needs n >= 1, got " + n);
        }
        Map<List<String>, Integer> ref = ngrams(tokenize(reference), n);
        Map<List<String>, Integer> pred = ngrams(tokenize(prediction), n);
        int refCount = ref.values().stream().mapToInt(Integer::intValue).sum();
        int predCount = pred.values().stream().mapToInt(Integer::intValue).sum();
        int overlap = 0;
        for (Map.Entry<List<String>, Integer> e : ref.entrySet()) {
            Integer p = pred.get(e.getKey());
            if (p != null) {
                overlap += Math.min(e.getValue(), p);
            }
        }
        double precision = overlap / (double) Math.max(predCount, 1);
        double recall = overlap / (double) Math.max(refCount, 1);
        return new Score(precision, recall, fmeasure(precision, recall));
    }

    /** ROUGE-L: LCS over the token lists; all three values are 0 when either side has no tokens. */
    public Score rougeL(String reference, String prediction) {
        List<String> ref = tokenize(reference);
        List<String> pred = tokenize(prediction);
        if (ref.isEmpty() || pred.isEmpty()) {
            return new Score(0.0, 0.0, 0.0);
        }
        int lcs = lcsLength(ref, pred);
        double precision = lcs / (double) pred.size();
        double recall = lcs / (double) ref.size();
        return new Score(precision, recall, fmeasure(precision, recall));
    }

    /** {@code rouge_score.scoring.fmeasure}: 2PR/(P+R), 0 when P+R is 0. */
    static double fmeasure(double precision, double recall) {
        return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
    }

    static int lcsLength(List<String> a, List<String> b) {
        int[] prev = new int[b.size() + 1];
        int[] cur = new int[b.size() + 1];
        for (int i = 1; i <= a.size(); i++) {
            String ai = a.get(i - 1);
            for (int j = 1; j <= b.size(); j++) {
                cur[j] = ai.equals(b.get(j - 1)) ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.size()];
    }

    private static Map<List<String>, Integer> ngrams(List<String> tokens, int n) {
        Map<List<String>, Integer> counts = new HashMap<>();
        for (int i = 0; i + n <= tokens.size(); i++) {
            counts.merge(List.copyOf(tokens.subList(i, i + n)), 1, Integer::sum);
        }
        return counts;
    }
}
