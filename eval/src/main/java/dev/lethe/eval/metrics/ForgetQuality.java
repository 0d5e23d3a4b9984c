package dev.lethe.eval.metrics;

/**
 * TOFU forget quality (arXiv 2401.06121, section 2.5.2): the p-value of the two-sided two-sample Kolmogorov-Smirnov test
 * between the per-item forget-set truth ratios of the unlearned model and of the retain model
 * ({@code scipy.stats.ks_2samp(...).pvalue}; TOFU {@code aggregate_eval_stat.py}, OU {@code privacy.py::ks_test}). The
 * test is invariant under the monotone map {@code x -> 1/x}, so legacy and OU ratio directions give the same value as
 * long as both samples use the same one.
 */
public final class ForgetQuality {

    private ForgetQuality() {
    }

    /** The p-value; see {@link KsTest#twoSample} for the statistic as well. */
    public static double of(double[] unlearnedTruthRatios, double[] retainModelTruthRatios) {
        return KsTest.twoSample(unlearnedTruthRatios, retainModelTruthRatios).pvalue();
    }
}
