package dev.lethe.unlearn.select;

import dev.lethe.unlearn.data.Batch;

/**
 * Selective Unlearning's token masks (arXiv 2506.00876, Algorithm 1 as algorithms.md section 3 reads it): per sequence,
 * select the answer tokens whose score passes the {@link Threshold}, then also select every answer token within
 * +-{@code context} positions of a selected one. The result is the batch with labels set to -100 on unselected
 * tokens, so every token-level objective is restricted to the critical tokens and sequence-level ones (NPO, SimNPO,
 * DPO) sum only over them.
 */
public final class TokenSelection {
    /** The masked batch and the fraction of answer tokens kept. */
    public record Result(Batch batch, double fractionSelected, int selected, int eligible) {
    }

    private TokenSelection() {
    }

    /**
     * @param scores one score per position of the batch, row-major [B, T]; only positions with labels != -100 (answer
     *               tokens) are eligible
     */
    public static Result apply(Batch b, double[] scores, Threshold threshold, int context) {
        int t = b.length();
        if (scores.length != b.batch() * t) {
            throw new IllegalArgumentException(scores.length + " scores for a batch of " + b.batch() + " x " + t);
        }
        int[] labels = b.labels().clone();
        int kept = 0;
        int eligibleTotal = 0;
        for (int i = 0; i < b.batch(); i++) {
            double[] s = new double[t];
            boolean[] eligible = new boolean[t];
            for (int j = 0; j < t; j++) {
                s[j] = scores[i * t + j];
                eligible[j] = b.labels()[i * t + j] != Batch.IGNORE;
                eligibleTotal += eligible[j] ? 1 : 0;
            }
            boolean[] sel = expand(threshold.select(s, eligible), eligible, context);
            for (int j = 0; j < t; j++) {
                if (!sel[j]) {
                    labels[i * t + j] = Batch.IGNORE;
                } else {
                    kept++;
                }
            }
        }
        Batch masked = new Batch(b.ids(), b.mask(), labels, b.batch(), b.length());
        return new Result(masked, eligibleTotal == 0 ? 0 : (double) kept / eligibleTotal, kept, eligibleTotal);
    }

    /** Adds the eligible neighbours within +-context of every selected position. */
    static boolean[] expand(boolean[] selected, boolean[] eligible, int context) {
        boolean[] out = selected.clone();
        for (int j = 0; j < selected.length; j++) {
            if (!selected[j]) {
                continue;
            }
            for (int d = -context; d <= context; d++) {
                int k = j + d;
                if (k >= 0 && k < selected.length && eligible[k]) {
                    out[k] = true;
                }
            }
        }
        return out;
    }
}
