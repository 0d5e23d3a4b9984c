package dev.lethe.unlearn.objective;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.ops.Elementwise;
import dev.lethe.engine.ops.Reductions;

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
        Tape t = ctx.tape();
        ModelScores s = ctx.scores(batchName);
        double[] lp = Terms.tokenLogProbValues(s);
        double[] w = new double[lp.length];
        for (int i = 0; i < lp.length; i++) {
            w[i] = s.scored()[i] == 0 ? 0 : Math.exp(beta * lp[i]);
        }
        // -mean(w * CE) = mean(w * log p)
        Tensor weighted = Elementwise.mul(t, s.tokenLogProbs(), Terms.tokenConstant(t, s, w));
        return Elementwise.mulScalar(t, Reductions.sumAll(t, weighted), 1.0 / s.scoredCount());
    }
}
