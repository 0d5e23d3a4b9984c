package dev.lethe.unlearn.objective;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.engine.ops.Elementwise;
import dev.lethe.engine.ops.Reductions;
import dev.lethe.engine.ops.Softmax;
import dev.lethe.unlearn.data.Batch;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Distillation on outputs, UNDO's third stage (arXiv 2506.06278, §3; algorithms.md 5.13): the forward KL from the
 * teacher (the frozen reference model, i.e. the unlearned model before noising) to the student, averaged over every
 * non-pad position of a batch, L = Σ_{b,t: mask=1} Σ_v p_T(v) (log p_T(v) − log p_S(v)) / #non-pad positions, at
 * temperature 1 (UNDO's setting).
 */
public record Distillation(String batchName) implements Objective {
    public Distillation() {
        this("retain");
    }

    @Override
    public String name() {
        return "distill(" + batchName + ")";
    }

    @Override
    public boolean needsReference() {
        return true;
    }

    @Override
    public Tensor loss(LossContext ctx) {
        Tape t = ctx.tape();
        Batch b = ctx.batch(batchName);
        int count = 0;
        for (int m : b.mask()) {
            count += m;
        }
        Tensor teacherLogP = Softmax.logSoftmax(t, ctx.referenceScores(batchName).logits());
        INDArray lt = teacherLogP.value();
        int vocab = (int) lt.size(2);
        // w[b,t,v] = mask[b,t] p_T(v) / count, a constant
        INDArray w = t.allocate(lt.dataType(), lt.shape());
        Buf in = Buf.of(lt);
        Buf out = Buf.of(w);
        for (int i = 0; i < lt.length(); i++) {
            out.set(i, b.mask()[i / vocab] == 0 ? 0.0 : Math.exp(in.get(i)) / count);
        }
        Tensor diff = Elementwise.sub(t, teacherLogP, Softmax.logSoftmax(t, ctx.scores(batchName).logits()));
        return Reductions.sumAll(t, Elementwise.mul(t, t.constant(w), diff));
    }
}
