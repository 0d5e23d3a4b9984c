package dev.lethe.unlearn.objective;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.engine.ops.Elementwise;
import dev.lethe.engine.ops.Reductions;
import dev.lethe.engine.ops.Softmax;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * KL(p_ref || p_theta) on a batch (retain by default), as TOFU/open-unlearning compute it (algorithms.md 5.3):
 * kl_div(log p_theta, log p_ref, log_target=True, reduction='batchmean') over the flattened [B*T, V] logits, i.e. the
 * sum over every position (prompt and padding included) divided by B*T.
 */
public record KlToReference(String batchName) implements Objective {
    public KlToReference() {
        this("retain");
    }

    @Override
    public String name() {
        return "kl(" + batchName + ")";
    }

    @Override
    public boolean needsReference() {
        return true;
    }

    @Override
    public Tensor loss(LossContext ctx) {
        Tape t = ctx.tape();
        ModelScores s = ctx.scores(batchName);
        Tensor refLogP = Softmax.logSoftmax(t, ctx.referenceScores(batchName).logits());
        INDArray lr = refLogP.value();
        INDArray pRef = t.allocate(lr.dataType(), lr.shape());
        Buf in = Buf.of(lr);
        Buf out = Buf.of(pRef);
        for (int i = 0; i < lr.length(); i++) {
            out.set(i, Math.exp(in.get(i)));
        }
        // sum p_ref (log p_ref - log p_theta) / (B*T); the difference first, so near-equal models lose no precision
        Tensor diff = Elementwise.sub(t, refLogP, Softmax.logSoftmax(t, s.logits()));
        Tensor kl = Reductions.sumAll(t, Elementwise.mul(t, t.constant(pRef), diff));
        return Elementwise.mulScalar(t, kl, 1.0 / ((double) s.batch() * s.length()));
    }
}
