package dev.lethe.transformer.generate;

import java.util.SplittableRandom;

/**
 * The last step of decoding: the argmax of a row of scores (greedy; the first index wins ties, as torch.argmax) or a
 * draw from softmax(scores) with a seeded {@link SplittableRandom}, so the same seed gives the same tokens.
 */
public final class Sampling {
    private Sampling() {
    }

    /** Index of the largest score (the first one on ties). */
    public static int argmax(double[] scores) {
        int best = -1;
        double bestVal = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < scores.length; j++) {
            if (scores[j] > bestVal || best < 0 && !Double.isNaN(scores[j])) {
                bestVal = scores[j];
                best = j;
            }
        }
        if (best < 0) {
            throw new IllegalStateException("every score is NaN: the model produced invalid logits");
        }
        return best;
    }

    /** softmax(scores) in double precision; -inf scores get probability 0. */
    public static double[] softmax(double[] scores) {
        double max = Double.NEGATIVE_INFINITY;
        for (double s : scores) {
            max = Math.max(max, s);
        }
        if (max == Double.NEGATIVE_INFINITY || Double.isNaN(max)) {
            throw new IllegalStateException("no token is left to choose from: every logit is masked or NaN");
        }
        double[] p = new double[scores.length];
        double sum = 0;
        for (int j = 0; j < scores.length; j++) {
            p[j] = Math.exp(scores[j] - max);
            sum += p[j];
        }
        for (int j = 0; j < p.length; j++) {
            p[j] /= sum;
        }
        return p;
    }

    /** log_softmax(scores) in double precision (max-shifted); -inf scores stay -inf. */
    public static double[] logSoftmax(double[] scores) {
        double max = Double.NEGATIVE_INFINITY;
        for (double s : scores) {
            max = Math.max(max, s);
        }
        if (max == Double.NEGATIVE_INFINITY || Double.isNaN(max)) {
            throw new IllegalStateException("no token is left to choose from: every logit is masked or NaN");
        }
        double sum = 0;
        for (double s : scores) {
            sum += Math.exp(s - max);
        }
        double lse = max + Math.log(sum);
        double[] out = new double[scores.length];
        for (int j = 0; j < scores.length; j++) {
            out[j] = scores[j] - lse;
        }
        return out;
    }

    /** A token drawn from softmax(scores). */
    public static int sample(double[] scores, SplittableRandom random) {
        double[] p = softmax(scores);
        double u = random.nextDouble();
        double cum = 0;
        int last = -1;
        for (int j = 0; j < p.length; j++) {
            if (p[j] > 0) {
                cum += p[j];
                last = j;
                if (u < cum) {
                    return j;
                }
            }
        }
        return last; // rounding: u above the summed probabilities
    }
}
