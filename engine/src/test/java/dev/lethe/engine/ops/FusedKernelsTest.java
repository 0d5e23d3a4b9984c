package dev.lethe.engine.ops;

import dev.lethe.engine.testing.Exact;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.engine.GradCheck;
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

/** Fused kernels equal their unfused compositions, and splitting loops across threads changes no bit. */
class FusedKernelsTest {
    private final Rand r = new Rand(23);

    private static void assertGrad(GradCheck.Fn fn, Tensor... in) {
        GradCheck.Result res = GradCheck.check(fn, List.of(in));
        assertThat(res.maxRelativeError()).as("max relative error %s", res.perInput()).isLessThan(1e-6);
    }

    /** Value of fn(inputs) and the gradients of sum(fn * weights) w.r.t. every input, copied out. */
    private static List<INDArray> run(BiFunction<Tape, List<Tensor>, Tensor> fn, List<Tensor> inputs, INDArray seed) {
        for (Tensor t : inputs) {
            t.clearGrad();
        }
        List<INDArray> out = new ArrayList<>();
        try (Tape tape = Tape.recording()) {
            Tensor y = fn.apply(tape, inputs);
            out.add(y.value().dup());
            tape.backward(y, seed.castTo(y.dtype()).reshape(y.shape()));
        }
        for (Tensor t : inputs) {
            if (t.grad() != null) {
                out.add(t.grad().dup());
            }
        }
        return out;
    }

    private static void assertBitEqual(List<INDArray> a, List<INDArray> b) {
        assertThat(a).hasSameSizeAs(b);
        for (int i = 0; i < a.size(); i++) {
            assertThat(a.get(i).shape()).isEqualTo(b.get(i).shape());
            Exact.assertBitIdentical(String.format("array %d bit-equal", i), b.get(i), a.get(i));
            INDArray d = a.get(i).sub(b.get(i));
            assertThat(d.amaxNumber().doubleValue()).as("array %d max difference", i).isEqualTo(0.0);
        }
    }

    private Tensor param(DataType dt, boolean transposed, long... shape) {
        Tensor t = transposed ? r.transposedParam(shape) : r.param(shape);
        return dt == DataType.DOUBLE ? t : Tensor.parameter(t.value().castTo(dt));
    }

    @Test
    void swigluEqualsSiluTimesUpBitForBit() {
        for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (boolean transposed : new boolean[] {false, true}) {
                Tensor gate = param(dt, transposed, 3, 5, 7);
                Tensor up = param(dt, false, 3, 5, 7);
                INDArray seed = r.array(3, 5, 7);
                List<Tensor> in = List.of(gate, up);
                List<INDArray> fused = run((t, v) -> Elementwise.swiglu(t, v.get(0), v.get(1)), in, seed);
                List<INDArray> plain = run((t, v) -> Elementwise.mul(t, Elementwise.silu(t, v.get(0)), v.get(1)), in,
                        seed);
                assertBitEqual(fused, plain);
            }
        }
    }

    @Test
    void swigluGradient() {
        assertGrad((t, v) -> Elementwise.swiglu(t, v.get(0), v.get(1)), r.param(2, 3, 6), r.param(2, 3, 6));
        assertGrad((t, v) -> Elementwise.swiglu(t, v.get(0), v.get(1)), r.transposedParam(4, 5), r.slicedParam(4, 5));
        // the same tensor as gate and up
        assertGrad((t, v) -> Elementwise.swiglu(t, v.get(0), v.get(0)), r.param(3, 4));
    }

    /** A chain through every kernel that splits its loops: norms, broadcasts, slices, softmaxes, RoPE, attention. */
    private static Tensor chain(Tape t, List<Tensor> v) {
        return chain(t, v, true);
    }

    private static Tensor chain(Tape t, List<Tensor> v, boolean full) {
        Tensor x = v.get(0);
        Tensor h = Normalization.rmsNorm(t, x, v.get(1), 1e-5, false);
        h = Elementwise.add(t, h, v.get(2));
        Tensor ln = Normalization.layerNorm(t, x, v.get(1), v.get(2), 1e-5);
        h = Elementwise.swiglu(t, h, ln);
        if (full) {
            h = Elementwise.div(t, Elementwise.mul(t, h, ln), Elementwise.addScalar(t, Elementwise.exp(t, ln), 1.0));
        }
        Tensor q = Shaping.permute(t, Shaping.reshape(t, h, 2, 16, 4, 16), 0, 2, 1, 3);
        INDArray cos = v.get(3).value();
        INDArray sin = v.get(4).value();
        q = Rope.apply(t, q, cos, sin, 16);
        Tensor a = Attention.causalSelfAttention(t, q, q, q, null, 0.25);
        a = Shaping.reshape(t, a, 2, 16, 64);
        Tensor cat = Shaping.concat(t, -1, a, h);
        Tensor ls = full ? Softmax.logSoftmax(t, Softmax.softmax(t, cat)) : cat;
        int[] targets = new int[2 * 15];
        for (int i = 0; i < targets.length; i++) {
            targets[i] = (i * 37) % 128;
        }
        Tensor lp = Softmax.tokenLogProbs(t, Shaping.slice(t, ls, 1, 0, 15), targets, null);
        return Reductions.sum(t, lp, false, 1);
    }

    @Test
    void splittingAcrossThreadsChangesNoBit() {
        for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            List<Tensor> in = List.of(param(dt, false, 2, 16, 64), param(dt, false, 64), param(dt, false, 64),
                    param(dt, false, 1, 16, 8), param(dt, false, 1, 16, 8));
            INDArray seed = r.array(2);
            long saved = Par.minWork();
            List<INDArray> serial;
            List<INDArray> split;
            try {
                Par.setMinWork(Long.MAX_VALUE);
                serial = run(FusedKernelsTest::chain, in, seed);
                Par.setMinWork(1);
                split = run(FusedKernelsTest::chain, in, seed);
            } finally {
                Par.setMinWork(saved);
            }
            assertBitEqual(serial, split);
            List<INDArray> again = run(FusedKernelsTest::chain, in, seed);
            assertBitEqual(serial, again);
        }
    }

    @Test
    void chainGradientWithSplitLoops() {
        long saved = Par.minWork();
        try {
            Par.setMinWork(1);
            Tensor x = r.param(2, 16, 64);
            Tensor w = r.param(64);
            Tensor b = r.param(64);
            Tensor cos = Tensor.constant(r.array(1, 16, 8));
            Tensor sin = Tensor.constant(r.array(1, 16, 8));
            GradCheck.Result res = GradCheck.check((t, v) -> chain(t, List.of(v.get(0), v.get(1), v.get(2), cos, sin), false),
                    List.of(x, w, b));
            assertThat(res.maxRelativeError()).as("max relative error %s", res.perInput()).isLessThan(1e-6);
        } finally {
            Par.setMinWork(saved);
        }
    }
}
