package dev.lethe.unlearn.objective;

import dev.lethe.engine.Tensor;

/**
 * SatImp (arXiv 2505.11953; algorithms.md 5.12): w_t = stopgrad(p_t^beta1 (1 - p_t)^beta2) with p_t = p_theta(y_t),
 * L = -mean over scored tokens of w_t * CE_t. Defaults beta1 = 5, beta2 = 1.
 */
public record SatImp(double beta1, double beta2, String batchName) implements Objective {
    public SatImp(double beta1, double beta2) {
        this(beta1, beta2, "forget");
    }

    @Override
    public String name() {
        return "satimp";
    }

    @Override
    public Tensor loss(LossContext ctx) {
        // w_t = p^beta1 (1 - p)^beta2, p = p_theta(y_t)
        return Terms.weightedAscent(ctx.tape(), ctx.scores(batchName), lp -> {
            double p = Math.exp(lp);
            return Math.pow(p, beta1) * Math.pow(1 - p, beta2);
        });
    }
}
