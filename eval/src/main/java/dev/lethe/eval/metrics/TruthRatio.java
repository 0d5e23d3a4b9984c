package dev.lethe.eval.metrics;

/**
 * TOFU truth ratio (Maini et al. 2024, arXiv 2401.06121, section 2.5.1) from length-normalised losses: with
 * {@code P_pert = exp(-mean_j avgLoss(perturbed_j))} (geometric mean of the per-token probabilities of the wrong
 * answers) and {@code P_corr = exp(-avgLoss(paraphrased or correct answer))}, open-unlearning defines
 * {@code TR = P_pert / (P_corr + 1e-10)} and the legacy TOFU code stores the inverse
 * {@code exp(mean(perturbed) - paraphrased)}. Aggregates: forget set {@code mean(min(TR, 1/TR))} (closer to 1 is
 * better), other sets {@code mean(max(0, 1 - TR))} (OU {@code closer_to_1_better} / {@code true_better}).
 */
public final class TruthRatio {

    private static final double OU_EPS = 1e-10;

    private TruthRatio() {
    }

    /** Legacy TOFU per-item statistic {@code exp(mean(perturbedAvgLosses) - paraphrasedAvgLoss)} = P_corr / P_pert. */
    public static double legacyTofu(double paraphrasedAvgLoss, double[] perturbedAvgLosses) {
        return Math.exp(NumpyMath.mean(perturbedAvgLosses) - paraphrasedAvgLoss);
    }

    /** open-unlearning per-item truth ratio {@code exp(-mean(wrong)) / (exp(-correct) + 1e-10)} = P_pert / P_corr. */
    public static double openUnlearning(double correctAvgLoss, double[] wrongAvgLosses) {
        return Math.exp(-NumpyMath.mean(wrongAvgLosses)) / (Math.exp(-correctAvgLoss) + OU_EPS);
    }

    /** OU {@code closer_to_1_better}: {@code mean(min(tr, 1/(tr + 1e-10)))} over OU ratios (forget set). */
    public static double closerToOneBetter(double[] ouRatios) {
        double[] v = new double[ouRatios.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.min(ouRatios[i], 1 / (ouRatios[i] + OU_EPS));
        }
        return NumpyMath.mean(v);
    }

    /** OU {@code true_better}: {@code mean(max(0, 1 - tr))} over OU ratios (retain, real authors, world facts). */
    public static double trueBetter(double[] ouRatios) {
        double[] v = new double[ouRatios.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.max(0, 1 - ouRatios[i]);
        }
        return NumpyMath.mean(v);
    }

    /** Legacy TOFU forget aggregate {@code mean(min(s, 1/s))} over {@link #legacyTofu} statistics. */
    public static double legacyForgetAggregate(double[] legacyStats) {
        double[] v = new double[legacyStats.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.min(legacyStats[i], 1 / legacyStats[i]);
        }
        return NumpyMath.mean(v);
    }

    /** Legacy TOFU non-forget aggregate {@code mean(max(0, 1 - 1/s))} over {@link #legacyTofu} statistics. */
    public static double legacyRetainAggregate(double[] legacyStats) {
        double[] v = new double[legacyStats.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.max(0, 1 - 1 / legacyStats[i]);
        }
        return NumpyMath.mean(v);
    }
}
