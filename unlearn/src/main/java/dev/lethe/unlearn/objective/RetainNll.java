package dev.lethe.unlearn.objective;

import dev.lethe.engine.Tensor;

/** NLL_batch on a batch (retain by default): the mean cross-entropy over its scored tokens (the HF loss). */
public record RetainNll(String batchName) implements Objective {
    public RetainNll() {
        this("retain");
    }

    @Override
    public String name() {
        return "nll(" + batchName + ")";
    }

    @Override
    public Tensor loss(LossContext ctx) {
        return Terms.meanOverTokensNll(ctx.tape(), ctx.scores(batchName));
    }
}
