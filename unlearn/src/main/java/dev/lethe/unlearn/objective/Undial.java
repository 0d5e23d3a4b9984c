package dev.lethe.unlearn.objective;

import dev.lethe.engine.Tensor;
import dev.lethe.engine.ops.SoftTargets;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * UNDIAL (arXiv 2402.10052, eq. 2; algorithms.md 5.8): self-distillation towards the reference's logits with the
 * target token pushed down, q_t = softmax(z_t^ref - beta onehot(y_t)), L = mean_t H(q_t, softmax(z_t^theta)) over scored
 * positions. {@code officialAllPositions} averages over every position as open-unlearning does (its -100 labels then
 * index vocabulary slot V-100); the default masks them. Default beta = 10.
 */
public record Undial(double beta, boolean officialAllPositions, String batchName) implements Objective {
    public Undial(double beta) {
        this(beta, false, "forget");
    }

    @Override
    public String name() {
        return "undial";
    }

    @Override
    public boolean needsReference() {
        return true;
    }

    @Override
    public Tensor loss(LossContext ctx) {
        ModelScores s = ctx.scores(batchName);
        INDArray zRef = ctx.referenceScores(batchName).logits().value();
        boolean[] averaged = new boolean[s.targets().length];
        for (int p = 0; p < averaged.length; p++) {
            averaged[p] = officialAllPositions || s.scored()[p] != 0;
        }
        int[] y = s.targetsByRow();
        for (int r = 0; r < y.length && officialAllPositions; r++) {
            y[r] = y[r] < 0 ? y[r] + (int) zRef.size(2) : y[r]; // torch's one_hot of -100 wraps to V - 100
        }
        // q_t = softmax(z_t^ref - beta onehot(y_t)); L = mean_t H(q_t, softmax(z_t^theta))   (arXiv 2402.10052, eq. 2)
        SoftTargets.Target q = SoftTargets.Target.lowered(zRef, y, beta);
        return SoftTargets.crossEntropy(ctx.tape(), q, s.logits(), s.meanOverRows(averaged));
    }
}
