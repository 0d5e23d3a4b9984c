package dev.lethe.eval.metrics;

import java.util.Arrays;

/**
 * Min-k% Prob membership score (Shi et al. 2024, arXiv 2310.16789; open-unlearning {@code mia/min_k.py}, MUSE
 * {@code Min-k%}): minus the mean of the {@code max(1, int(N*k))} lowest per-token log-probabilities. MUSE's PrivLeak uses
 * k = 0.4. Higher means "less likely a member".
 */
public final class MinKProb {

    private MinKProb() {
    }

    /** @param k fraction in (0, 1]; at least one token is always used, as in OU */
    public static double score(double[] tokenLogProbs, double k) {
        Checks.nonEmptyFinite(tokenLogProbs, "Min-k% score", "tokenLogProbs");
        return -NumpyMath.mean(lowest(tokenLogProbs, k));
    }

    static double[] lowest(double[] values, double k) {
        if (!(k > 0 && k <= 1)) {
            throw new IllegalArgumentException("Min-k%: k = " + k + " must be a fraction in (0, 1], e.g. 0.4");
        }
        int numK = Math.max(1, (int) (values.length * k));
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return Arrays.copyOf(sorted, numK);
    }
}
