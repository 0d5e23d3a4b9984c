package dev.lethe.unlearn.objective;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.ops.Elementwise;

/**
 * Negative Preference Optimization (arXiv 2404.05868, eq. 3): with Delta_i = log pi_theta(y_i|x_i) - log
 * pi_ref(y_i|x_i) summed over answer tokens, L = -(2/beta) mean_i log sigmoid(-beta Delta_i). Default beta = 0.1.
 */
public record Npo(double beta, String batchName) implements Objective {
    public Npo(double beta) {
        this(beta, "forget");
    }

    @Override
    public String name() {
        return "npo";
    }

    @Override
    public boolean needsReference() {
        return true;
    }

    @Override
    public Tensor loss(LossContext ctx) {
        Tape t = ctx.tape();
        Tensor policy = Terms.sumPerSequence(t, ctx.scores(batchName));
        Tensor ref = Terms.sumPerSequence(t, ctx.referenceScores(batchName));
        Tensor delta = Elementwise.sub(t, policy, ref);
        return Terms.npoOuter(t, Elementwise.mulScalar(t, delta, -beta), beta);
    }
}
