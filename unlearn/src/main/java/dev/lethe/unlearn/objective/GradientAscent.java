package dev.lethe.unlearn.objective;

import dev.lethe.engine.Tensor;
import dev.lethe.engine.ops.Elementwise;

/** Gradient ascent on the forget set: L = -NLL_batch(theta; B_f) (TOFU arXiv 2401.06121, sec. 4; algorithms.md 5.1). */
public record GradientAscent(String batchName) implements Objective {
    public GradientAscent() {
        this("forget");
    }

    @Override
    public String name() {
        return "ga";
    }

    @Override
    public Tensor loss(LossContext ctx) {
        return Elementwise.neg(ctx.tape(), Terms.meanOverTokensNll(ctx.tape(), ctx.scores(batchName)));
    }
}
