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
 * CE-U (arXiv 2503.01224, eq. 3; algorithms.md 5.10): the target is the model's own detached distribution with the
 * true token removed, q_t = softmax(stopgrad(z_t) with z_{t,y_t} = -inf), and L = mean_t H(q_t, softmax(z_t)) over
 * scored positions, skipping the first {@code ignoreFirst} answer tokens of each sequence (default 1).
 */
public record CrossEntropyUnlearning(int ignoreFirst, String batchName) implements Objective {
    public CrossEntropyUnlearning() {
        this(1, "forget");
    }

    @Override
    public String name() {
        return "ceu";
    }

    @Override
    public Tensor loss(LossContext ctx) {
        Tape t = ctx.tape();
        ModelScores s = ctx.scores(batchName);
        int len = s.length();
        Tensor z = Shaping.contiguous(t, Shaping.slice(t, s.logits(), 1, 0, len - 1));
        INDArray zv = z.value();
        int v = (int) zv.size(2);
        INDArray q = t.allocate(zv.dataType(), zv.shape());
        Buf pz = Buf.of(zv);
        Buf pq = Buf.of(q);
        int used = 0;
        for (int b = 0; b < s.batch(); b++) {
            int seen = 0;
            for (int j = 0; j < len - 1; j++) {
                int r = b * (len - 1) + j;
                boolean on = s.scored()[r] != 0 && seen++ >= ignoreFirst;
                int y = s.targets()[r];
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < v; k++) {
                    if (k != y) {
                        max = Math.max(max, pz.get(r * v + k));
                    }
                }
                double sum = 0;
                for (int k = 0; k < v; k++) {
                    double e = k == y ? 0.0 : Math.exp(pz.get(r * v + k) - max);
                    pq.set(r * v + k, e);
                    sum += e;
                }
                for (int k = 0; k < v; k++) {
                    pq.set(r * v + k, on ? pq.get(r * v + k) / sum : 0.0);
                }
                used += on ? 1 : 0;
            }
        }
        Tensor cross = Reductions.sumAll(t, Elementwise.mul(t, t.constant(q), Softmax.logSoftmax(t, z)));
        return Elementwise.mulScalar(t, cross, -1.0 / Math.max(1, used));
    }
}
