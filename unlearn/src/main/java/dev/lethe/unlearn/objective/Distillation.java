package dev.lethe.unlearn.objective;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.engine.ops.Elementwise;
import dev.lethe.engine.ops.Reductions;
import dev.lethe.engine.ops.Softmax;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Knowledge distillation from the reference model (the teacher) into the trained model (the student), Hinton et al.
 * arXiv 1503.02531 section 2: (1 - w) T^2 KL(softmax(z_t / T) || softmax(z_s / T)) + w NLL(y), the KL summed over the
 * vocabulary and averaged over the positions that predict a scored token, the NLL the batch's mean cross-entropy.
 * T^2 keeps the soft term's gradient scale independent of T. Teacher and student must share the vocabulary.
 */
public record Distillation(String batchName, double temperature, double hardWeight) implements Objective {
    public Distillation {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("distillation temperature must be positive, got " + temperature);
        }
        if (hardWeight < 0 || hardWeight > 1) {
            throw new IllegalArgumentException("distillation hard_weight must be in [0, 1], got " + hardWeight);
        }
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
        ModelScores s = ctx.scores(batchName);
        ModelScores teacher = ctx.referenceScores(batchName);
        if (!Arrays.equals(s.logits().shape(), teacher.logits().shape())) {
            throw new IllegalArgumentException("teacher logits " + Arrays.toString(teacher.logits().shape())
                    + " and student logits " + Arrays.toString(s.logits().shape()) + " differ: distillation needs"
                    + " models with the same vocabulary (tokenizer)");
        }
        if (s.scoredCount() == 0) {
            throw new IllegalArgumentException("batch has no scored tokens (every label is -100)");
        }
        double temp = temperature;
        Tensor logPt = Softmax.logSoftmax(t, Elementwise.mulScalar(t, teacher.logits(), 1.0 / temp));
        Tensor logPs = Softmax.logSoftmax(t, Elementwise.mulScalar(t, s.logits(), 1.0 / temp));
        // weights p_t(v) / N at positions j that predict a scored token j + 1, zero elsewhere (a constant)
        INDArray lt = logPt.value();
        INDArray w = t.allocate(lt.dataType(), lt.shape());
        long vocab = lt.size(2);
        int len = s.length();
        Buf in = Buf.of(lt);
        Buf out = Buf.of(w);
        for (int b = 0; b < s.batch(); b++) {
            for (int j = 0; j < len; j++) {
                boolean scored = j < len - 1 && s.scored()[b * (len - 1) + j] == 1;
                long base = ((long) b * len + j) * vocab;
                for (long v = 0; v < vocab; v++) {
                    int i = (int) (base + v);
                    out.set(i, scored ? Math.exp(in.get(i)) / s.scoredCount() : 0.0);
                }
            }
        }
        Tensor kl = Reductions.sumAll(t, Elementwise.mul(t, t.constant(w), Elementwise.sub(t, logPt, logPs)));
        Tensor soft = Elementwise.mulScalar(t, kl, (1 - hardWeight) * temp * temp);
        if (hardWeight == 0) {
            return soft;
        }
        return Elementwise.add(t, soft, Elementwise.mulScalar(t, Terms.meanOverTokensNll(t, s), hardWeight));
    }
}
