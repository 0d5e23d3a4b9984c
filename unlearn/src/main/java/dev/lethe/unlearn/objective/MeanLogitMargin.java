package dev.lethe.unlearn.objective;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.ops.Elementwise;
import dev.lethe.engine.ops.Reductions;

/**
 * SIBL's forget loss (open-unlearning PR #159, algorithms.md 5.15.2): the logit margin max_v z_{t,v} − mean_v z_{t,v}
 * averaged over every position of the batch, prompt and padding included, not squared (unlike
 * {@link LogitMarginFlattening}, which squares it on scored positions only).
 */
public record MeanLogitMargin(String batchName) implements Objective {
    public MeanLogitMargin() {
        this("forget");
    }

    @Override
    public String name() {
        return "mean_logit_margin";
    }

    @Override
    public Tensor loss(LossContext ctx) {
        Tape t = ctx.tape();
        Tensor z = ctx.scores(batchName).logits();
        Tensor margin = Elementwise.sub(t, Reductions.max(t, z, -1, false), Reductions.mean(t, z, false, -1));
        return Reductions.meanAll(t, margin);
    }
}
