package dev.lethe.eval.metrics;

/**
 * Min-k%++ membership score (Zhang et al. 2024, arXiv 2404.02936; open-unlearning {@code mia/min_k_plus_plus.py}): each
 * token's log-probability is standardised by the mean {@code mu_t = sum_v p_v log p_v} and variance
 * {@code sigma_t^2 = sum_v p_v (log p_v)^2 - mu_t^2} (clamped at 1e-6) of the log-probability under the model's own
 * next-token distribution; the score is minus the mean of the lowest {@code max(1, int(N*k))} standardised values.
 * OU evaluates this in float32 on the GPU; this class computes in float64.
 */
public final class MinKPlusPlus {

    private static final double MIN_VARIANCE = 1e-6;

    private MinKPlusPlus() {
    }

    /**
     * @param tokenLogProbs log-probability of each scored token
     * @param mu            per-position {@code sum_v p_v log p_v}
     * @param variance      per-position {@code sum_v p_v (log p_v)^2 - mu^2} (before clamping)
     * @param k             fraction in (0, 1]
     */
    public static double score(double[] tokenLogProbs, double[] mu, double[] variance, double k) {
        Checks.nonEmptyFinite(tokenLogProbs, "Min-k%++ score", "tokenLogProbs");
        if (mu.length != tokenLogProbs.length || variance.length != tokenLogProbs.length) {
            throw new IllegalArgumentException("Min-k%++: tokenLogProbs, mu and variance need equal lengths, got "
                    + tokenLogProbs.length + ", " + mu.length + ", " + variance.length);
        }
        double[] z = new double[tokenLogProbs.length];
        for (int t = 0; t < z.length; t++) {
            z[t] = (tokenLogProbs[t] - mu[t]) / Math.sqrt(Math.max(variance[t], MIN_VARIANCE));
        }
        return -NumpyMath.mean(MinKProb.lowest(z, k));
    }

    /** {mu, variance} of one position from its full row of vocabulary log-probabilities. */
    public static double[] moments(double[] vocabLogProbs) {
        double mu = 0;
        double second = 0;
        for (double lp : vocabLogProbs) {
            double p = Math.exp(lp);
            mu += p * lp;
            second += p * lp * lp;
        }
        return new double[] {mu, second - mu * mu};
    }
}
