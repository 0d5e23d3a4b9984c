package dev.lethe.transformer.check;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.io.CheckpointReader;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.engine.kernel.StridedLoop;
import dev.lethe.engine.ops.Elementwise;
import dev.lethe.engine.ops.Reductions;
import dev.lethe.engine.ops.Shaping;
import dev.lethe.engine.ops.Softmax;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.model.KvCache;
import dev.lethe.transformer.model.TokenBatch;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Recomputes, for a model and a reference file made by PyTorch + transformers (layout of ../shared/fixtures/README.md),
 * the quantities the reference holds: {@code logits}, {@code hidden.i}, {@code token_logprobs}, {@code loss}
 * (Hugging Face's mean next-token cross-entropy over labels != -100), {@code grad.<param>} of that loss,
 * {@code greedy_ids} (row 0 unpadded followed by 8 greedy tokens, decoded with the KV cache) and, when the reference
 * has a left-padded batch, {@code left.logits}. {@link #compare} gives the largest relative error of each quantity
 * (max |a - b| / max |b|).
 */
public final class ReferenceCheck {
    private ReferenceCheck() {
    }

    /** Token inputs of a reference file. */
    public record Inputs(int[] ids, int[] mask, int[] labels, int batch, int length) {
        public static Inputs read(CheckpointReader ref, String prefix) throws IOException {
            INDArray ids = ref.readFloat64(prefix + "input_ids");
            int b = (int) ids.size(0);
            int t = (int) ids.size(1);
            int[] mask = ref.contains(prefix + "attention_mask") ? ints(ref.readFloat64(prefix + "attention_mask")) : null;
            int[] labels = ref.contains(prefix + "labels") ? ints(ref.readFloat64(prefix + "labels")) : null;
            return new Inputs(ints(ids), mask, labels, b, t);
        }
    }

    static int[] ints(INDArray a) {
        int[] out = new int[(int) a.length()];
        Buf p = Buf.of(a);
        StridedLoop it = new StridedLoop(a.shape(), a.stride());
        int i = 0;
        while (it.next()) {
            out[i++] = (int) Math.round(p.get(it.offset(0)));
        }
        return out;
    }

    /** Hugging Face's causal-LM loss: mean cross-entropy of labels[:, 1:] given logits[:, :-1], ignoring -100. */
    public static Tensor hfLoss(Tape tape, Tensor logits, int[] labels, int b, int t) {
        int[] targets = new int[b * (t - 1)];
        int[] keep = new int[b * (t - 1)];
        int count = 0;
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t - 1; j++) {
                int lab = labels[i * t + j + 1];
                targets[i * (t - 1) + j] = lab;
                keep[i * (t - 1) + j] = lab == -100 ? 0 : 1;
                count += keep[i * (t - 1) + j];
            }
        }
        if (count == 0) {
            throw new IllegalArgumentException("every label is -100: nothing to score");
        }
        Tensor lp = Softmax.shiftedTokenLogProbs(tape, logits, targets, keep);
        return Elementwise.mulScalar(tape, Reductions.sumAll(tape, lp), -1.0 / count);
    }

    /** Computes every quantity the reference has inputs for. Gradients are left in the model's parameters. */
    public static Map<String, INDArray> compute(CausalLM model, CheckpointReader ref) throws IOException {
        Map<String, INDArray> out = new LinkedHashMap<>();
        Inputs in = Inputs.read(ref, "");
        BufferPool pool = new BufferPool();
        for (Tensor p : model.parameters().values()) {
            p.clearGrad();
        }
        try (Tape tape = Tape.recording(pool)) {
            CausalLM.Output o = model.forward(tape, new TokenBatch(in.ids(), in.batch(), in.length(), in.mask(), null),
                    null, true);
            out.put("logits", o.logits().value().dup());
            List<Tensor> hidden = o.hiddenStates();
            for (int i = 0; i < hidden.size(); i++) {
                out.put("hidden." + i, hidden.get(i).value().dup());
            }
            int[] next = new int[in.batch() * (in.length() - 1)];
            for (int i = 0; i < in.batch(); i++) {
                for (int j = 0; j < in.length() - 1; j++) {
                    next[i * (in.length() - 1) + j] = in.ids()[i * in.length() + j + 1];
                }
            }
            Tensor lp = Softmax.tokenLogProbs(tape, Shaping.slice(tape, o.logits(), 1, 0, in.length() - 1), next, null);
            out.put("token_logprobs", lp.value().dup());
            if (in.labels() != null) {
                Tensor loss = hfLoss(tape, o.logits(), in.labels(), in.batch(), in.length());
                out.put("loss", loss.value().dup());
                tape.backward(loss);
                model.parameters().forEach((name, p) -> out.put("grad." + name, p.grad().dup()));
            }
        }
        if (ref.contains("greedy_ids")) {
            int[] g = ints(ref.readFloat64("greedy_ids"));
            int prompt = in.mask() == null ? in.length() : Arrays.stream(in.mask(), 0, in.length()).sum();
            int[] row = Arrays.copyOf(in.ids(), prompt);
            int[] gen = greedy(model, row, g.length - prompt, pool);
            INDArray ids = Nd4j.create(DataType.DOUBLE, 1, prompt + gen.length);
            for (int i = 0; i < prompt + gen.length; i++) {
                ids.putScalar(i, i < prompt ? row[i] : gen[i - prompt]);
            }
            out.put("greedy_ids", ids);
        }
        if (ref.contains("left.input_ids")) {
            Inputs left = Inputs.read(ref, "left.");
            int[] pos = ref.contains("left.position_ids") ? ints(ref.readFloat64("left.position_ids"))
                    : TokenBatch.positionsFromMask(left.mask(), left.batch(), left.length());
            try (Tape tape = Tape.inference(pool)) {
                CausalLM.Output o = model.forward(tape, new TokenBatch(left.ids(), left.batch(), left.length(),
                        left.mask(), pos), null, false);
                out.put("left.logits", o.logits().value().dup());
            }
        }
        return out;
    }

    /** Greedy decoding of {@code steps} tokens after {@code prompt}, with the KV cache. */
    public static int[] greedy(CausalLM model, int[] prompt, int steps, BufferPool pool) {
        KvCache cache = KvCache.forModel(model, 1, prompt.length + steps);
        int[] out = new int[steps];
        int[] feed = prompt;
        for (int s = 0; s < steps; s++) {
            try (Tape tape = Tape.inference(pool)) {
                INDArray logits = model.forward(tape, TokenBatch.of(feed), cache, false).logits().value();
                long v = logits.size(2);
                long last = logits.size(1) - 1;
                int best = 0;
                double bestVal = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < v; j++) {
                    double x = logits.getDouble(0, last, j);
                    if (x > bestVal) {
                        bestVal = x;
                        best = j;
                    }
                }
                out[s] = best;
                feed = new int[] {best};
            }
        }
        return out;
    }

    /**
     * Largest relative error (max |a - b| / max |b|) of every computed quantity the reference also has; for
     * {@code left.logits} only positions whose mask is 1 count (padded positions are undefined).
     */
    public static Map<String, Double> compare(Map<String, INDArray> computed, CheckpointReader ref) throws IOException {
        Map<String, Double> errors = new LinkedHashMap<>();
        int[] leftMask = ref.contains("left.attention_mask") ? ints(ref.readFloat64("left.attention_mask")) : null;
        for (Map.Entry<String, INDArray> e : computed.entrySet()) {
            if (!ref.contains(e.getKey())) {
                continue;
            }
            INDArray want = ref.readFloat64(e.getKey());
            INDArray got = e.getValue().castTo(DataType.DOUBLE);
            if (!Arrays.equals(want.shape(), got.shape())) {
                errors.put(e.getKey(), Double.POSITIVE_INFINITY);
                continue;
            }
            int[] rowMask = e.getKey().equals("left.logits") ? leftMask : null;
            errors.put(e.getKey(), relativeError(got, want, rowMask));
        }
        return errors;
    }

    static double relativeError(INDArray got, INDArray want, int[] rowMask) {
        Buf pg = Buf.of(got);
        Buf pw = Buf.of(want);
        long rowLen = got.rank() > 2 ? got.size(got.rank() - 1) : 1;
        StridedLoop it = new StridedLoop(got.shape(), got.stride(), want.stride());
        double maxDiff = 0;
        double maxRef = 0;
        long k = 0;
        while (it.next()) {
            boolean use = rowMask == null || rowMask[(int) (k / rowLen)] != 0;
            k++;
            if (!use) {
                continue;
            }
            double w = pw.get(it.offset(1));
            maxDiff = Math.max(maxDiff, Math.abs(pg.get(it.offset(0)) - w));
            maxRef = Math.max(maxRef, Math.abs(w));
        }
        return maxRef == 0 ? maxDiff : maxDiff / maxRef;
    }
}
