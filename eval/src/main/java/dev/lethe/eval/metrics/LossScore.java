package dev.lethe.eval.metrics;

/**
 * LOSS membership score (Yeom et al. 2018; open-unlearning {@code mia/loss.py}, MUSE {@code PPL}): the mean negative
 * log-likelihood {@code -mean_t lp_t} over the scored tokens. Higher means "less likely a member".
 */
public final class LossScore {

    private LossScore() {
    }

    /** @param tokenLogProbs per-token log-probabilities {@code log p(x_t | x_<t)} of the scored tokens */
    public static double score(double[] tokenLogProbs) {
        Checks.nonEmptyFinite(tokenLogProbs, "LOSS score", "tokenLogProbs");
        return -NumpyMath.mean(tokenLogProbs);
    }
}
