package dev.lethe.unlearn.objective;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.ops.Elementwise;

/**
 * DPO (arXiv 2305.18290, eq. 7) as open-unlearning scales it: with Delta_w and Delta_l the policy-minus-reference
 * sequence log-probabilities of the chosen and rejected answers, L = -(2/beta) mean log sigmoid(beta (Delta_w -
 * Delta_l)). IdkDPO uses an "I don't know" answer as chosen and the forget answer as rejected. {@code paperScale}
 * drops the 2/beta factor (the paper's and legacy TOFU's form). Default beta = 0.1.
 */
public record Dpo(double beta, boolean paperScale, String chosen, String rejected) implements Objective {
    public Dpo(double beta) {
        this(beta, false, "chosen", "rejected");
    }

    @Override
    public String name() {
        return "dpo";
    }

    @Override
    public boolean needsReference() {
        return true;
    }

    @Override
    public Tensor loss(LossContext ctx) {
        Tape t = ctx.tape();
        Tensor dw = Elementwise.sub(t, Terms.sumPerSequence(t, ctx.scores(chosen)),
                Terms.sumPerSequence(t, ctx.referenceScores(chosen)));
        Tensor dl = Elementwise.sub(t, Terms.sumPerSequence(t, ctx.scores(rejected)),
                Terms.sumPerSequence(t, ctx.referenceScores(rejected)));
        Tensor u = Elementwise.mulScalar(t, Elementwise.sub(t, dw, dl), beta);
        Tensor loss = Terms.npoOuter(t, u, beta);
        return paperScale ? Elementwise.mulScalar(t, loss, beta / 2.0) : loss;
    }
}
