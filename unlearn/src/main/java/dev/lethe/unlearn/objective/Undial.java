package dev.lethe.unlearn.objective;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.engine.ops.Elementwise;
import dev.lethe.engine.ops.Reductions;
import dev.lethe.engine.ops.Shaping;
import dev.lethe.engine.ops.Softmax;
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
        Tape t = ctx.tape();
        ModelScores s = ctx.scores(batchName);
        int len = s.length();
        Tensor zRef = Shaping.slice(t, ctx.referenceScores(batchName).logits(), 1, 0, len - 1);
        INDArray zr = Shaping.contiguous(t, zRef).value();
        int v = (int) zr.size(2);
        int rows = s.batch() * (len - 1);
        INDArray q = t.allocate(zr.dataType(), zr.shape());
        Buf pz = Buf.of(zr);
        Buf pq = Buf.of(q);
        int used = 0;
        for (int r = 0; r < rows; r++) {
            boolean on = officialAllPositions || s.scored()[r] != 0;
            int y = s.targets()[r];
            if (officialAllPositions && y < 0) {
                y += v;
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < v; j++) {
                max = Math.max(max, pz.get(r * v + j) - (j == y ? beta : 0));
            }
            double sum = 0;
            for (int j = 0; j < v; j++) {
                double e = Math.exp(pz.get(r * v + j) - (j == y ? beta : 0) - max);
                pq.set(r * v + j, e);
                sum += e;
            }
            for (int j = 0; j < v; j++) {
                pq.set(r * v + j, on ? pq.get(r * v + j) / sum : 0.0);
            }
            used += on ? 1 : 0;
        }
        Tensor logP = Softmax.logSoftmax(t, Shaping.slice(t, s.logits(), 1, 0, len - 1));
        Tensor cross = Reductions.sumAll(t, Elementwise.mul(t, t.constant(q), logP));
        return Elementwise.mulScalar(t, cross, -1.0 / Math.max(1, used));
    }
}
