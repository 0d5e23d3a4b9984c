package dev.lethe.engine.ops;

import dev.lethe.engine.testing.Exact;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.kernel.Par;
import dev.lethe.engine.testing.Rand;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Each fused kernel equals the composition of the engine's elementwise, reduction, shaping and matmul ops that it
 * replaces, in values and in the gradients of every input: RMSNorm, LayerNorm, softmax, log-softmax, per-token
 * log-probabilities, RoPE and causal/padded attention (its masked softmax included). SwiGLU, the shifted log-probs and
 * the decode path have their own tests (SwigluDenseTest, ShiftedTokenLogProbsTest, DecodeAttentionTest).
 *
 * <p>In float64 the fused kernels and the compositions round at different points (a fused row keeps its statistics in
 * double and rounds once), so they agree to a few ulps: the bound is 1e-12 of the largest magnitude. RoPE does the same
 * double operations in the same order as its composition, so it is bit-equal in float64, and its float32 kernel
 * (double arithmetic, one rounding) equals the float64 composition rounded to float32. Float32 kernels are also held
 * to the float64 composition at float precision. Everything runs with the loops on one thread and split across two.
 */
class FusedVsCompositionTest {
    private final Rand r = new Rand(97);

    /** Value of fn(inputs) and the gradients of sum(fn * seed) w.r.t. every input that requires one, copied out. */
    private static List<INDArray> run(BiFunction<Tape, List<Tensor>, Tensor> fn, List<Tensor> in, INDArray seed) {
        for (Tensor t : in) {
            t.clearGrad();
        }
        List<INDArray> out = new ArrayList<>();
        try (Tape tape = Tape.recording()) {
            Tensor y = fn.apply(tape, in);
            out.add(y.value().dup());
            tape.backward(y, seed.castTo(y.dtype()).reshape(y.shape()));
        }
        for (Tensor t : in) {
            if (t.requiresGrad()) {
                out.add(t.grad().dup());
            }
        }
        return out;
    }

    private static void assertClose(List<INDArray> a, List<INDArray> b, double rel, String what) {
        assertThat(a).hasSameSizeAs(b);
        for (int i = 0; i < a.size(); i++) {
            INDArray x = a.get(i).castTo(DataType.DOUBLE);
            INDArray y = b.get(i).castTo(DataType.DOUBLE);
            assertThat(x.shape()).as("%s array %d shape", what, i).isEqualTo(y.shape());
            double scale = Math.max(y.amaxNumber().doubleValue(), 1e-300);
            double err = x.sub(y).amaxNumber().doubleValue() / scale;
            assertThat(err).as("%s array %d: max |fused - composed| / max |composed|", what, i).isLessThanOrEqualTo(rel);
        }
    }

    private static void assertBitEqual(List<INDArray> a, List<INDArray> b, String what) {
        assertThat(a).hasSameSizeAs(b);
        for (int i = 0; i < a.size(); i++) {
            assertThat(a.get(i).dataType()).isEqualTo(b.get(i).dataType());
            Exact.assertBitIdentical(String.format("%s array %d bit-equal", what, i), b.get(i), a.get(i));
            assertThat(a.get(i).sub(b.get(i)).amaxNumber().doubleValue()).as("%s array %d", what, i).isEqualTo(0.0);
        }
    }

    private static List<Tensor> params(DataType dt, INDArray... values) {
        List<Tensor> out = new ArrayList<>();
        for (INDArray v : values) {
            out.add(Tensor.parameter(v.castTo(dt)));
        }
        return out;
    }

    /**
     * Checks fused against composed: float64 both (to {@code rel64}), float32 fused against float64 composed (to
     * 1e-5), with Par's loops serial and split.
     */
    private void check(String what, BiFunction<Tape, List<Tensor>, Tensor> fused,
            BiFunction<Tape, List<Tensor>, Tensor> composed, INDArray seed, double rel64, INDArray... inputs) {
        long saved = Par.minWork();
        try {
            for (long minWork : new long[] {Long.MAX_VALUE, 1}) {
                Par.setMinWork(minWork);
                List<INDArray> ref = run(composed, params(DataType.DOUBLE, inputs), seed);
                assertClose(run(fused, params(DataType.DOUBLE, inputs), seed), ref, rel64, what + " f64");
                assertClose(run(fused, params(DataType.FLOAT, inputs), seed), ref, 1e-5, what + " f32");
            }
        } finally {
            Par.setMinWork(saved);
        }
    }

    // --- normalisations -------------------------------------------------------------------------------------------

    private static Tensor rmsComposed(Tape t, Tensor x, Tensor w, double eps, boolean onePlus) {
        Tensor ms = Reductions.mean(t, Elementwise.mul(t, x, x), true, -1);
        Tensor y = Elementwise.mul(t, x, Elementwise.rsqrt(t, Elementwise.addScalar(t, ms, eps)));
        return Elementwise.mul(t, y, onePlus ? Elementwise.addScalar(t, w, 1.0) : w);
    }

    private static Tensor layerComposed(Tape t, Tensor x, Tensor w, Tensor b, double eps) {
        Tensor c = Elementwise.sub(t, x, Reductions.mean(t, x, true, -1));
        Tensor var = Reductions.mean(t, Elementwise.mul(t, c, c), true, -1);
        Tensor y = Elementwise.mul(t, c, Elementwise.rsqrt(t, Elementwise.addScalar(t, var, eps)));
        if (w != null) {
            y = Elementwise.mul(t, y, w);
        }
        return b == null ? y : Elementwise.add(t, y, b);
    }

    @Test
    void rmsNormEqualsComposition() {
        INDArray x = r.array(3, 6, 64).muli(1.5).addi(0.2);
        INDArray w = r.array(64);
        INDArray seed = r.array(3, 6, 64);
        for (boolean onePlus : new boolean[] {false, true}) {
            check("rmsNorm onePlus=" + onePlus,
                    (t, v) -> Normalization.rmsNorm(t, v.get(0), v.get(1), 1e-5, onePlus),
                    (t, v) -> rmsComposed(t, v.get(0), v.get(1), 1e-5, onePlus), seed, 1e-12, x, w);
        }
    }

    @Test
    void layerNormEqualsComposition() {
        INDArray x = r.array(4, 5, 48).muli(2).addi(0.7);
        INDArray w = r.array(48);
        INDArray b = r.array(48);
        INDArray seed = r.array(4, 5, 48);
        check("layerNorm w+b", (t, v) -> Normalization.layerNorm(t, v.get(0), v.get(1), v.get(2), 1e-5),
                (t, v) -> layerComposed(t, v.get(0), v.get(1), v.get(2), 1e-5), seed, 1e-12, x, w, b);
        check("layerNorm w", (t, v) -> Normalization.layerNorm(t, v.get(0), v.get(1), null, 1e-5),
                (t, v) -> layerComposed(t, v.get(0), v.get(1), null, 1e-5), seed, 1e-12, x, w);
        check("layerNorm none", (t, v) -> Normalization.layerNorm(t, v.get(0), null, null, 1e-5),
                (t, v) -> layerComposed(t, v.get(0), null, null, 1e-5), seed, 1e-12, x);
    }

    // --- softmax and log-probabilities ----------------------------------------------------------------------------

    /** exp(x - max) / sum(exp(x - max)) over the last axis, from elementwise ops and reductions. */
    private static Tensor softmaxComposed(Tape t, Tensor x) {
        Tensor e = Elementwise.exp(t, Elementwise.sub(t, x, constantMax(t, x)));
        return Elementwise.div(t, e, Reductions.sum(t, e, true, -1));
    }

    /** x - max - log(sum(exp(x - max))). */
    private static Tensor logSoftmaxComposed(Tape t, Tensor x) {
        Tensor c = Elementwise.sub(t, x, constantMax(t, x));
        return Elementwise.sub(t, c, Elementwise.log(t, Reductions.sum(t, Elementwise.exp(t, c), true, -1)));
    }

    /** The row maximum as a constant (its gradient cancels in softmax; stopping it is what fused kernels do too). */
    private static Tensor constantMax(Tape t, Tensor x) {
        try (Tape side = Tape.inference()) {
            INDArray m = Reductions.max(side, Tensor.constant(x.value()), -1, true).value().dup();
            return Tensor.constant(m);
        }
    }

    @Test
    void softmaxAndLogSoftmaxEqualCompositions() {
        INDArray x = r.array(3, 7, 33).muli(3);
        INDArray seed = r.array(3, 7, 33);
        check("softmax", (t, v) -> Softmax.softmax(t, v.get(0)), (t, v) -> softmaxComposed(t, v.get(0)), seed, 1e-12,
                x);
        check("logSoftmax", (t, v) -> Softmax.logSoftmax(t, v.get(0)), (t, v) -> logSoftmaxComposed(t, v.get(0)),
                seed, 1e-12, x);
    }

    @Test
    void tokenLogProbsEqualsLogSoftmaxThenGather() {
        INDArray x = r.array(3, 6, 21).muli(3);
        INDArray seed = r.array(3, 6);
        int[] targets = new int[18];
        for (int i = 0; i < targets.length; i++) {
            targets[i] = (i * 7 + 3) % 21;
        }
        check("tokenLogProbs", (t, v) -> Softmax.tokenLogProbs(t, v.get(0), targets, null),
                (t, v) -> Indexing.gatherLast(t, logSoftmaxComposed(t, v.get(0)), targets), seed, 1e-12, x);
        // on the shifted view logits[:, :-1, :] as well
        int[] shifted = java.util.Arrays.copyOf(targets, 15);
        INDArray seed2 = r.array(3, 5);
        check("tokenLogProbs on a slice",
                (t, v) -> Softmax.tokenLogProbs(t, Shaping.slice(t, v.get(0), 1, 0, 5), shifted, null),
                (t, v) -> Indexing.gatherLast(t, logSoftmaxComposed(t, Shaping.slice(t, v.get(0), 1, 0, 5)), shifted),
                seed2, 1e-12, x);
    }

    // --- RoPE ----------------------------------------------------------------------------------------------------

    /** out1 = x1 cos - x2 sin, out2 = x2 cos + x1 sin, the rest passed through, from slices, products and a concat. */
    private static Tensor ropeComposed(Tape t, Tensor x, INDArray cos, INDArray sin, int rotary) {
        int half = rotary / 2;
        long dh = x.size(3);
        Tensor c = Tensor.constant(cos.reshape(cos.size(0), 1, cos.size(1), half).castTo(x.dtype()));
        Tensor s = Tensor.constant(sin.reshape(sin.size(0), 1, sin.size(1), half).castTo(x.dtype()));
        Tensor x1 = Shaping.slice(t, x, 3, 0, half);
        Tensor x2 = Shaping.slice(t, x, 3, half, rotary);
        Tensor o1 = Elementwise.sub(t, Elementwise.mul(t, x1, c), Elementwise.mul(t, x2, s));
        Tensor o2 = Elementwise.add(t, Elementwise.mul(t, x2, c), Elementwise.mul(t, x1, s));
        return rotary < dh ? Shaping.concat(t, 3, o1, o2, Shaping.slice(t, x, 3, rotary, dh))
                : Shaping.concat(t, 3, o1, o2);
    }

    @Test
    void ropeEqualsCompositionBitForBit() {
        long saved = Par.minWork();
        try {
            for (long minWork : new long[] {Long.MAX_VALUE, 1}) {
                Par.setMinWork(minWork);
                for (int bc : new int[] {1, 2}) {
                    for (int rotary : new int[] {16, 10}) {
                        // float32-representable inputs, so the float64 composition sees exactly the float32 values
                        INDArray x = r.array(2, 5, 3, 16).castTo(DataType.FLOAT).castTo(DataType.DOUBLE);
                        INDArray cos = r.uniform(-1, 1, bc, 5, rotary / 2).castTo(DataType.FLOAT);
                        INDArray sin = r.uniform(-1, 1, bc, 5, rotary / 2).castTo(DataType.FLOAT);
                        INDArray seed = r.array(2, 3, 5, 16).castTo(DataType.FLOAT).castTo(DataType.DOUBLE);
                        String what = "rope bc " + bc + " rotary " + rotary;
                        for (DataType dt : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
                            INDArray c = cos.castTo(dt);
                            INDArray s = sin.castTo(dt);
                            // [B, T, H, Dh] storage fed as its [B, H, T, Dh] permutation, as in the model
                            List<Tensor> in = List.of(Tensor.parameter(x.castTo(dt).permute(0, 2, 1, 3)));
                            List<Tensor> in64 = List.of(Tensor.parameter(x.dup().permute(0, 2, 1, 3)));
                            List<INDArray> fused = run((t, v) -> Rope.apply(t, v.get(0), c, s, rotary), in, seed);
                            List<INDArray> composed = run((t, v) -> ropeComposed(t, v.get(0), cos.castTo(
                                    DataType.DOUBLE), sin.castTo(DataType.DOUBLE), rotary), in64, seed);
                            List<INDArray> rounded = new ArrayList<>();
                            for (INDArray a : composed) {
                                rounded.add(a.castTo(dt));
                            }
                            assertBitEqual(fused, rounded, what + " " + dt);
                        }
                    }
                }
            }
        } finally {
            Par.setMinWork(saved);
        }
    }

    // --- attention -----------------------------------------------------------------------------------------------

    /**
     * softmax(q k^T * scale + causal and key-padding masks) v from matmuls, a masked fill and the softmax composition,
     * with grouped KV heads repeated, and the output permuted to [B, T, H, Dh].
     */
    private static Tensor attentionComposed(Tape t, Tensor q, Tensor k, Tensor v, int[] keyMask, double scale) {
        long b = q.size(0);
        long h = q.size(1);
        long tq = q.size(2);
        long hkv = k.size(1);
        long tk = k.size(2);
        long dh = k.size(3);
        if (h != hkv) {
            long g = h / hkv;
            k = repeatHeads(t, k, g);
            v = repeatHeads(t, v, g);
        }
        Tensor s = Elementwise.mulScalar(t, MatMul.matmul(t, q, k, false, true), scale);
        INDArray mask = Nd4j.zeros(DataType.FLOAT, b, 1, tq, tk);
        long past = tk - tq;
        for (int bi = 0; bi < b; bi++) {
            for (int i = 0; i < tq; i++) {
                for (int j = 0; j < tk; j++) {
                    boolean hidden = j > past + i || keyMask != null && keyMask[(int) (bi * tk + j)] == 0;
                    mask.putScalar(new long[] {bi, 0, i, j}, hidden ? 1 : 0);
                }
            }
        }
        Tensor masked = Indexing.maskedFill(t, s, Tensor.constant(mask), Double.NEGATIVE_INFINITY);
        Tensor p = softmaxComposed(t, masked);
        Tensor o = MatMul.matmul(t, p, v);
        return Shaping.permute(t, o, 0, 2, 1, 3);
    }

    /** [B, Hkv, T, Dh] -> [B, Hkv * g, T, Dh], each KV head repeated g times (as repeat_kv). */
    private static Tensor repeatHeads(Tape t, Tensor x, long g) {
        long[] s = x.shape();
        Tensor[] copies = new Tensor[(int) g];
        Tensor u = Shaping.unsqueeze(t, x, 2);
        for (int i = 0; i < g; i++) {
            copies[i] = u;
        }
        return Shaping.reshape(t, Shaping.contiguous(t, Shaping.concat(t, 2, copies)), s[0], s[1] * g, s[2], s[3]);
    }

    @Test
    void attentionEqualsComposition() {
        // right padding only (row 1's last two keys): every query row sees at least one key, since a fully hidden row
        // is NaN in the composition
        int[] mask14 = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0};
        INDArray q = r.array(2, 4, 7, 5);
        INDArray k = r.array(2, 2, 7, 5);
        INDArray v = r.array(2, 2, 7, 5);
        INDArray seed = r.array(2, 7, 4, 5);
        check("attention causal GQA", (t, x) -> Attention.causalSelfAttention(t, x.get(0), x.get(1), x.get(2), null,
                0.4), (t, x) -> attentionComposed(t, x.get(0), x.get(1), x.get(2), null, 0.4), seed, 1e-12, q, k, v);
        check("attention causal padded", (t, x) -> Attention.causalSelfAttention(t, x.get(0), x.get(1), x.get(2),
                mask14, 0.4), (t, x) -> attentionComposed(t, x.get(0), x.get(1), x.get(2), mask14, 0.4), seed, 1e-12,
                q, k, v);
        // a KV cache: 3 new queries over 7 keys
        INDArray q3 = r.array(2, 4, 3, 5);
        INDArray seed3 = r.array(2, 3, 4, 5);
        check("attention cached", (t, x) -> Attention.causalSelfAttention(t, x.get(0), x.get(1), x.get(2), null, 0.4),
                (t, x) -> attentionComposed(t, x.get(0), x.get(1), x.get(2), null, 0.4), seed3, 1e-12, q3, k, v);
    }
}
