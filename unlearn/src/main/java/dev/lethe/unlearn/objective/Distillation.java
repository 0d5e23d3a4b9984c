package dev.lethe.unlearn.objective;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.ops.Elementwise;
import dev.lethe.engine.ops.SoftTargets;
import java.util.Arrays;

/**
 * Knowledge distillation from the reference model (the teacher) into the trained model (the student), Hinton et al.
 * arXiv 1503.02531 section 2: (1 - w) T^2 KL(softmax(z_t / T) || softmax(z_s / T)) + w NLL(y), the KL summed over the
 * vocabulary and averaged over the counted positions, the NLL the batch's mean cross-entropy. T^2 keeps the soft
 * term's gradient scale independent of T. Teacher and student must share the vocabulary.
 *
 * <p>Two position sets: the positions that predict a scored token ({@code ./lethe distill}, fine-tuning style), or
 * every non-pad position ({@code everyPosition}: UNDO's distillation on outputs, arXiv 2506.06278 section 3 and
 * algorithms.md 5.13, at T = 1 without hard labels, see {@link #onOutputs}).
 */
public record Distillation(String batchName, double temperature, double hardWeight, boolean everyPosition)
        implements Objective {
    public Distillation {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("distillation temperature must be positive, got " + temperature);
        }
        if (hardWeight < 0 || hardWeight > 1) {
            throw new IllegalArgumentException("distillation hard_weight must be in [0, 1], got " + hardWeight);
        }
    }

    /** Distillation at the positions that predict a scored (answer) token. */
    public Distillation(String batchName, double temperature, double hardWeight) {
        this(batchName, temperature, hardWeight, false);
    }

    /** UNDO's distillation on outputs: forward KL at T = 1 over every non-pad position, no hard labels. */
    public static Distillation onOutputs(String batchName) {
        return new Distillation(batchName, 1.0, 0.0, true);
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
        boolean[] counted = countedPositions(ctx, s);
        int count = 0;
        for (boolean c : counted) {
            count += c ? 1 : 0;
        }
        if (count == 0) {
            throw new IllegalArgumentException("batch '" + batchName + "' has no " + (everyPosition ? "non-pad"
                    : "scored") + " position to distill on");
        }
        double[] w = new double[counted.length];
        for (int p = 0; p < counted.length; p++) {
            w[p] = counted[p] ? 1.0 / count : 0.0;
        }
        // (1 - w) T^2 KL(softmax(z_t / T) || softmax(z_s / T)), averaged over the counted positions
        Tensor kl = SoftTargets.klDivergence(t, SoftTargets.Target.softmaxOf(teacher.logits().value()), s.logits(),
                temperature, w);
        Tensor soft = Elementwise.mulScalar(t, kl, (1 - hardWeight) * temperature * temperature);
        if (hardWeight == 0) {
            return soft;
        }
        return Elementwise.add(t, soft, Elementwise.mulScalar(t, Terms.meanOverTokensNll(t, s), hardWeight));
    }

    /** Row-major over (batch, position): the positions whose distributions are distilled. */
    private boolean[] countedPositions(LossContext ctx, ModelScores s) {
        int len = s.length();
        boolean[] counted = new boolean[s.batch() * len];
        int[] mask = everyPosition ? ctx.batch(batchName).mask() : null;
        for (int b = 0; b < s.batch(); b++) {
            for (int j = 0; j < len; j++) {
                int p = b * len + j;
                counted[p] = everyPosition ? mask[p] == 1 : j < len - 1 && s.scored()[b * (len - 1) + j] == 1;
            }
        }
        return counted;
    }
}
