package dev.lethe.unlearn.objective;

import dev.lethe.engine.Tensor;

/**
 * Weighted gradient ascent, WGA (arXiv 2502.19301, eq. 6; algorithms.md 5.11): w_t = stopgrad(p_theta(y_t)^beta),
 * L = -mean over scored tokens of w_t * CE_t. Default beta = 1.
 */
public record WeightedGradientAscent(double beta, String batchName) implements Objective {
    public WeightedGradientAscent(double beta) {
        this(beta, "forget");
    }

    @Override
    public String name() {
        return "wga";
    }

    @Override
    public Tensor loss(LossContext ctx) {
        // w_t = p_theta(y_t)^beta = exp(beta log p)
        return Terms.weightedAscent(ctx.tape(), ctx.scores(batchName), lp -> Math.exp(beta * lp));
    }
}
