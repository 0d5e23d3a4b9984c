package dev.lethe.transformer.generate;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Nucleus filtering (Holtzman et al. 2019, arXiv 1904.09751, sec. 3.1) with Hugging Face's {@code TopPLogitsWarper}
 * semantics: tokens sorted by probability (softmax of the current logits); the smallest set of most probable tokens
 * whose cumulative probability reaches p is kept, the others are masked to -inf. As in transformers, a token is
 * removed when the cumulative probability of it and every less probable token is &lt;= 1 - p, and the most probable
 * token is always kept.
 */
public final class TopP implements LogitsProcessor {
    private final double p;

    public TopP(double p) {
        if (!(p > 0 && p <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], got " + p);
        }
        this.p = p;
    }

    public double p() {
        return p;
    }

    @Override
    public void process(DecodingStep step, double[][] logits) {
        if (p >= 1) {
            return;
        }
        for (double[] row : logits) {
            double[] prob = Sampling.softmax(row);
            Integer[] order = new Integer[row.length];
            for (int j = 0; j < order.length; j++) {
                order[j] = j;
            }
            // ascending probability, as transformers sorts
            Arrays.sort(order, Comparator.comparingDouble(j -> prob[j]));
            double cum = 0;
            for (int i = 0; i < order.length - 1; i++) {
                cum += prob[order[i]];
                if (cum <= 1 - p) {
                    row[order[i]] = Double.NEGATIVE_INFINITY;
                } else {
                    break;
                }
            }
        }
    }
}
