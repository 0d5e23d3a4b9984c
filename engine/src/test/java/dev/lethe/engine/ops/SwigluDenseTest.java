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

/** swiglu's dense float32 path (heap-staged chunks) equals mul(silu(gate), up), over several uneven chunks. */
class SwigluDenseTest {
    private final Rand r = new Rand(57);

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
            if (t.grad() != null) {
                out.add(t.grad().dup());
            }
        }
        return out;
    }

    private static void assertBitEqual(List<INDArray> a, List<INDArray> b) {
        assertThat(a).hasSameSizeAs(b);
        for (int i = 0; i < a.size(); i++) {
            Exact.assertBitIdentical(String.format("array %d bit-equal", i), b.get(i), a.get(i));
            assertThat(a.get(i).sub(b.get(i)).amaxNumber().doubleValue()).as("array %d max difference", i).isEqualTo(0.0);
        }
    }

    private static Tensor fused(Tape t, List<Tensor> v) {
        // gate also feeds a second op, so its gradient accumulates into a non-zero buffer
        return Elementwise.add(t, Elementwise.swiglu(t, v.get(0), v.get(1)), Elementwise.mulScalar(t, v.get(0), 0.5));
    }

    private static Tensor plain(Tape t, List<Tensor> v) {
        return Elementwise.add(t, Elementwise.mul(t, Elementwise.silu(t, v.get(0)), v.get(1)),
                Elementwise.mulScalar(t, v.get(0), 0.5));
    }

    @Test
    void denseFloatPathEqualsCompositionBitForBit() {
        long saved = Par.minWork();
        try {
            for (long minWork : new long[] {Long.MAX_VALUE, 1}) {
                Par.setMinWork(minWork);
                Tensor gate = Tensor.parameter(r.array(3, 7, 1001).muli(4).castTo(DataType.FLOAT));
                Tensor up = Tensor.parameter(r.array(3, 7, 1001).castTo(DataType.FLOAT));
                INDArray seed = r.array(3, 7, 1001);
                List<Tensor> in = List.of(gate, up);
                assertBitEqual(run(SwigluDenseTest::fused, in, seed), run(SwigluDenseTest::plain, in, seed));
                // only one input wanting a gradient
                Tensor frozenUp = Tensor.constant(up.value());
                List<Tensor> in2 = List.of(gate, frozenUp);
                assertBitEqual(run(SwigluDenseTest::fused, in2, seed), run(SwigluDenseTest::plain, in2, seed));
                // the same tensor as gate and up
                List<Tensor> same = List.of(gate, gate);
                assertBitEqual(run(SwigluDenseTest::fused, same, seed), run(SwigluDenseTest::plain, same, seed));
            }
        } finally {
            Par.setMinWork(saved);
        }
    }

    @Test
    void denseFloatPathMatchesFloat64GradientChecked() {
        INDArray g = r.array(2, 2500).muli(4);
        INDArray u = r.array(2, 2500);
        INDArray seed = r.array(2, 2500);
        List<INDArray> f32 = run((t, v) -> Elementwise.swiglu(t, v.get(0), v.get(1)),
                List.of(Tensor.parameter(g.castTo(DataType.FLOAT)), Tensor.parameter(u.castTo(DataType.FLOAT))), seed);
        List<INDArray> f64 = run((t, v) -> Elementwise.swiglu(t, v.get(0), v.get(1)),
                List.of(Tensor.parameter(g.dup()), Tensor.parameter(u.dup())), seed);
        for (int i = 0; i < f32.size(); i++) {
            double err = f32.get(i).castTo(DataType.DOUBLE).sub(f64.get(i)).amaxNumber().doubleValue();
            assertThat(err).as("array %d", i).isLessThan(1e-5 * Math.max(1, f64.get(i).amaxNumber().doubleValue()));
        }
        // and the float64 swiglu is gradient-checked on a shape spanning several chunks
        GradCheck.Result res = GradCheck.check((t, v) -> Elementwise.swiglu(t, v.get(0), v.get(1)),
                List.of(Tensor.parameter(r.array(3, 1500)), Tensor.parameter(r.array(3, 1500))));
        assertThat(res.maxRelativeError()).as("max relative error %s", res.perInput()).isLessThan(1e-6);
    }
}
