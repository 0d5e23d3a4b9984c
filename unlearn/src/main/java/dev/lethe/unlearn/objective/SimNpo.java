package dev.lethe.unlearn.objective;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.ops.Elementwise;

/**
 * SimNPO (arXiv 2410.07163, eq. 4; open-unlearning's form): L = -(2/beta) mean_i log sigmoid(-(beta/|y_i|) log
 * pi_theta(y_i|x_i) - beta delta). Reference-free, length-normalised. Defaults beta = 4.5, delta = 0.
 */
public record SimNpo(double beta, double delta, String batchName) implements Objective {
    public SimNpo(double beta, double delta) {
        this(beta, delta, "forget");
    }

    @Override
    public String name() {
        return "simnpo";
    }

    @Override
    public Tensor loss(LossContext ctx) {
        Tape t = ctx.tape();
        ModelScores s = ctx.scores(batchName);
        double[] invLen = new double[s.batch()];
        for (int b = 0; b < s.batch(); b++) {
            invLen[b] = -beta / Math.max(1, s.scoredIn(b));
        }
        Tensor scale = Tensor.constant(s.tokenLogProbs().dtype(), invLen, s.batch());
        Tensor u = Elementwise.addScalar(t, Elementwise.mul(t, Terms.sumPerSequence(t, s), scale), -beta * delta);
        return Terms.npoOuter(t, u, beta);
    }
}
