package dev.lethe.unlearn.objective;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.ops.Elementwise;
import dev.lethe.engine.ops.Reductions;

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
        Tape t = ctx.tape();
        ModelScores s = ctx.scores(batchName);
        double[] lp = Terms.tokenLogProbValues(s);
        double[] w = new double[lp.length];
        for (int i = 0; i < lp.length; i++) {
            double p = Math.exp(lp[i]);
            w[i] = s.scored()[i] == 0 ? 0 : Math.pow(p, beta1) * Math.pow(1 - p, beta2);
        }
        Tensor weighted = Elementwise.mul(t, s.tokenLogProbs(), Terms.tokenConstant(t, s, w));
        return Elementwise.mulScalar(t, Reductions.sumAll(t, weighted), 1.0 / s.scoredCount());
    }
}
