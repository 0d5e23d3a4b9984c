package dev.lethe.transformer.generate;

import java.util.Arrays;

/**
 * Keeps the k highest logits of each row and masks the rest to -inf (Hugging Face's {@code TopKLogitsWarper}): a
 * token is kept when its logit is at least the k-th largest, so ties with the k-th value are all kept; k larger than
 * the vocabulary keeps everything.
 */
public final class TopK implements LogitsProcessor {
    private final int k;

    public TopK(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("top-k must be >= 1, got " + k + " (leave top-k out to disable it)");
        }
        this.k = k;
    }

    public int k() {
        return k;
    }

    @Override
    public void process(DecodingStep step, double[][] logits) {
        for (double[] row : logits) {
            if (k >= row.length) {
                continue;
            }
            double[] sorted = row.clone();
            Arrays.sort(sorted);
            double kth = sorted[row.length - k];
            for (int j = 0; j < row.length; j++) {
                if (row[j] < kth) {
                    row[j] = Double.NEGATIVE_INFINITY;
                }
            }
        }
    }
}
