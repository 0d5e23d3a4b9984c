package dev.lethe.unlearn.objective;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.engine.ops.Elementwise;
import dev.lethe.engine.ops.Reductions;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.model.TokenBatch;
import dev.lethe.unlearn.data.Batch;
import dev.lethe.unlearn.data.JsonLines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * LUNAR, activation redirection (arXiv 2502.07218, §3; algorithms.md 5.15.3): with r = mean over reference prompts
 * (prompts the model refuses) of the last token's output of decoder layer l minus the same mean over the forget
 * questions, fit layer l's MLP down-projection so that its output moves by c·r on every forget token and stays on
 * retain tokens. Only that matrix trains (the recipe selects it), so the block output changes by exactly the MLP
 * output's change and the fit is L = MSE_forget(h_l(θ), h_l(θ₀) + c·r) + MSE_retain(h_l(θ), h_l(θ₀)), each a mean over
 * non-pad tokens and hidden dims (open-unlearning pools both sets into one token mean). Defaults: c = 2.
 */
public final class Lunar implements Objective {
    private final int layer;
    private final double coeff;
    private final Path referencePrompts;
    private double[] direction;

    /** With the direction r given. */
    public Lunar(int layer, double coeff, double[] direction) {
        this.layer = layer;
        this.coeff = coeff;
        this.referencePrompts = null;
        this.direction = direction.clone();
    }

    /** With r computed by {@link #prepare} from the reference prompts in {@code referencePrompts}. */
    public Lunar(int layer, double coeff, Path referencePrompts) {
        this.layer = layer;
        this.coeff = coeff;
        this.referencePrompts = referencePrompts;
    }

    @Override
    public String name() {
        return "lunar";
    }

    @Override
    public boolean needsReference() {
        return true;
    }

    /** The direction r (null until prepared). */
    public double[] direction() {
        return direction == null ? null : direction.clone();
    }

    @Override
    public void prepare(Preparation p) throws IOException {
        if (direction != null) {
            return;
        }
        List<int[]> refs = new ArrayList<>();
        readPrompts(referencePrompts).forEach(q -> refs.add(p.tokenizer().encode(q, true)));
        List<int[]> forget = new ArrayList<>();
        p.forget().forEach(r -> forget.add(p.tokenizer().encode(r.question(), true)));
        direction = refusalDirection(p.model(), refs, forget, layer);
    }

    /** Prompts from JSON Lines with a "question" field, or from plain text (one prompt per line). */
    static List<String> readPrompts(Path file) throws IOException {
        String name = file.getFileName().toString();
        List<String> out = new ArrayList<>();
        if (name.endsWith(".json") || name.endsWith(".jsonl")) {
            JsonLines.read(file).forEach(r -> out.add(r.text("question")));
        } else {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException(file + ": no such file of reference prompts");
            }
            Files.readAllLines(file).stream().filter(l -> !l.isBlank()).forEach(l -> out.add(l.strip()));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + ": no reference prompts");
        }
        return out;
    }

    /** r = mean_{x ∈ reference} h_l(x)[last] − mean_{x ∈ forget} h_l(x)[last], on unpadded prompts. */
    public static double[] refusalDirection(CausalLM model, List<int[]> reference, List<int[]> forget, int layer) {
        double[] r = meanLastToken(model, reference, layer);
        double[] f = meanLastToken(model, forget, layer);
        for (int i = 0; i < r.length; i++) {
            r[i] -= f[i];
        }
        return r;
    }

    private static double[] meanLastToken(CausalLM model, List<int[]> prompts, int layer) {
        int d = model.config().hiddenSize();
        double[] mean = new double[d];
        BufferPool pool = new BufferPool();
        for (int[] ids : prompts) {
            int[] mask = new int[ids.length];
            java.util.Arrays.fill(mask, 1);
            try (Tape tape = Tape.inference(pool)) {
                INDArray h = model.forward(tape, new TokenBatch(ids, 1, ids.length, mask, null), null, true)
                        .hiddenStates().get(layer + 1).value();
                for (int i = 0; i < d; i++) {
                    mean[i] += h.getDouble(0, ids.length - 1, i) / prompts.size();
                }
            }
        }
        return mean;
    }

    @Override
    public Tensor loss(LossContext ctx) {
        int layers = ctx.model().config().numLayers();
        if (layer < 0 || layer >= layers - 1) {
            throw new IllegalArgumentException("LUNAR layer " + layer + " must be in [0, " + (layers - 1) + "): the"
                    + " last layer's output is only exposed after the final norm");
        }
        if (direction == null) {
            throw new IllegalStateException("LUNAR's direction is computed by prepare(...) before training");
        }
        Tape t = ctx.tape();
        double[] shift = new double[direction.length];
        for (int i = 0; i < shift.length; i++) {
            shift[i] = coeff * direction[i];
        }
        Tensor forget = maskedMse(t, ctx, "forget", shift);
        return ctx.hasBatch("retain") ? Elementwise.add(t, forget, maskedMse(t, ctx, "retain", null)) : forget;
    }

    /** Σ_{non-pad b,t} Σ_d (h − h₀ − shift)² / (#non-pad tokens · D). */
    private Tensor maskedMse(Tape t, LossContext ctx, String batch, double[] shift) {
        Tensor h = ctx.scores(batch).hidden().get(layer + 1);
        INDArray h0 = ctx.referenceScores(batch).hidden().get(layer + 1).value();
        Batch b = ctx.batch(batch);
        int d = (int) h0.size(2);
        int count = 0;
        for (int m : b.mask()) {
            count += m;
        }
        INDArray target = t.allocate(h0.dataType(), h0.shape());
        INDArray w = t.allocate(h0.dataType(), h0.shape());
        Buf in = Buf.of(h0);
        Buf tg = Buf.of(target);
        Buf wb = Buf.of(w);
        for (int i = 0; i < h0.length(); i++) {
            tg.set(i, in.get(i) + (shift == null ? 0 : shift[i % d]));
            wb.set(i, b.mask()[i / d] / ((double) count * d));
        }
        Tensor diff = Elementwise.sub(t, h, t.constant(target));
        return Reductions.sumAll(t, Elementwise.mul(t, t.constant(w), Elementwise.mul(t, diff, diff)));
    }
}
