package dev.lethe.engine.ops;

import dev.lethe.engine.testing.Exact;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

/** {@link Softmax#shiftedTokenLogProbs} equals tokenLogProbs(slice(logits, 1, 0, T-1)) bit for bit. */
class ShiftedTokenLogProbsTest {
    private final Rand r = new Rand(41);

    private static final int[] TARGETS = {1, 6, 0, 3, -100, 2, 5, 4, 6, 0, 2, 1};
    private static final int[] MASK = {1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1};

    /** The logits feed a second consumer too, so their gradient buffer accumulates from two ops. */
    private static Tensor fused(Tape t, Tensor logits, int[] mask) {
        Tensor lp = Softmax.shiftedTokenLogProbs(t, logits, TARGETS, mask);
        return Elementwise.add(t, lp, other(t, logits));
    }

    private static Tensor plain(Tape t, Tensor logits, int[] mask) {
        Tensor lp = Softmax.tokenLogProbs(t, Shaping.slice(t, logits, 1, 0, 4), TARGETS, mask);
        return Elementwise.add(t, lp, other(t, logits));
    }

    private static Tensor other(Tape t, Tensor logits) {
        return Shaping.slice(t, Reductions.sum(t, Elementwise.mulScalar(t, logits, 0.25), false, 2), 1, 0, 4);
    }

    private static List<INDArray> run(BiFunction<Tape, Tensor, Tensor> fn, Tensor logits, INDArray seed) {
        logits.clearGrad();
        List<INDArray> out = new ArrayList<>();
        try (Tape tape = Tape.recording()) {
            Tensor y = fn.apply(tape, logits);
            out.add(y.value().dup());
            tape.backward(y, seed.castTo(y.dtype()).reshape(y.shape()));
        }
        out.add(logits.grad().dup());
        return out;
    }

    private static void assertBitEqual(List<INDArray> a, List<INDArray> b) {
        assertThat(a).hasSameSizeAs(b);
        for (int i = 0; i < a.size(); i++) {
            assertThat(a.get(i).shape()).isEqualTo(b.get(i).shape());
            Exact.assertBitIdentical(String.format("array %d bit-equal", i), b.get(i), a.get(i));
            assertThat(a.get(i).sub(b.get(i)).amaxNumber().doubleValue()).as("array %d max difference", i).isEqualTo(0.0);
        }
    }

    @Test
    void equalsSliceThenTokenLogProbsBitForBit() {
        long saved = Par.minWork();
        try {
            for (long minWork : new long[] {Long.MAX_VALUE, 1}) {
                Par.setMinWork(minWork);
                for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
                    for (int[] mask : new int[][] {MASK}) {
                        int[] m = mask;
                        Tensor logits = Tensor.parameter(r.array(3, 5, 7).muli(3).castTo(dt));
                        INDArray seed = r.array(3, 4);
                        List<INDArray> f = run((t, x) -> fused(t, x, m), logits, seed);
                        List<INDArray> p = run((t, x) -> plain(t, x, m), logits, seed);
                        assertBitEqual(f, p);
                    }
                }
            }
        } finally {
            Par.setMinWork(saved);
        }
    }

    @Test
    void unmaskedAndSplitRowsAreBitIdentical() {
        int[] targets = new int[2 * 63];
        for (int i = 0; i < targets.length; i++) {
            targets[i] = (i * 37) % 100;
        }
        Tensor logits = Tensor.parameter(r.array(2, 64, 100).castTo(DataType.FLOAT));
        INDArray seed = r.array(2, 63);
        long saved = Par.minWork();
        List<INDArray> serial;
        List<INDArray> split;
        List<INDArray> plain;
        try {
            Par.setMinWork(Long.MAX_VALUE);
            serial = run((t, x) -> Softmax.shiftedTokenLogProbs(t, x, targets, null), logits, seed);
            plain = run((t, x) -> Softmax.tokenLogProbs(t, Shaping.slice(t, x, 1, 0, 63), targets, null), logits, seed);
            Par.setMinWork(1);
            split = run((t, x) -> Softmax.shiftedTokenLogProbs(t, x, targets, null), logits, seed);
        } finally {
            Par.setMinWork(saved);
        }
        assertBitEqual(serial, plain);
        assertBitEqual(serial, split);
        // the last position of every row gets no gradient
        for (int j = 0; j < 100; j++) {
            assertThat(serial.get(1).getDouble(0, 63, j)).isEqualTo(0.0);
        }
    }

    @Test
    void gradientCheck() {
        Tensor logits = r.param(3, 5, 7);
        GradCheck.Result res = GradCheck.check((t, v) -> Softmax.shiftedTokenLogProbs(t, v.get(0), TARGETS, MASK),
                List.of(logits));
        assertThat(res.maxRelativeError()).as("max relative error %s", res.perInput()).isLessThan(1e-6);
        // a strided (transposed-storage) input takes the unfused path; same contract
        GradCheck.Result res2 = GradCheck.check((t, v) -> Softmax.shiftedTokenLogProbs(t, v.get(0), TARGETS, MASK),
                List.of(Tensor.parameter(r.transposedParam(7, 5, 3).value().permute(2, 1, 0))));
        assertThat(res2.maxRelativeError()).as("max relative error %s", res2.perInput()).isLessThan(1e-6);
    }

    @Test
    void float32FastPathMatchesFloat64Reference() {
        // the float32 fast path against the float64 composition: values and gradients agree to float precision
        INDArray base = r.array(3, 5, 7).muli(3);
        INDArray seed = r.array(3, 4);
        Tensor l32 = Tensor.parameter(base.castTo(DataType.FLOAT));
        Tensor l64 = Tensor.parameter(base.dup());
        List<INDArray> f = run((t, x) -> Softmax.shiftedTokenLogProbs(t, x, TARGETS, MASK), l32, seed);
        List<INDArray> p = run((t, x) -> Softmax.tokenLogProbs(t, Shaping.slice(t, x, 1, 0, 4), TARGETS, MASK), l64,
                seed);
        for (int i = 0; i < f.size(); i++) {
            double err = f.get(i).castTo(DataType.DOUBLE).sub(p.get(i)).amaxNumber().doubleValue();
            assertThat(err).as("array %d", i).isLessThan(1e-5 * Math.max(1, p.get(i).amaxNumber().doubleValue()));
        }
    }

    @Test
    void rejectsBadShapesAndTargets() {
        try (Tape t = Tape.recording()) {
            assertThatThrownBy(() -> Softmax.shiftedTokenLogProbs(t, r.param(3, 7), new int[3], null))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> Softmax.shiftedTokenLogProbs(t, r.param(2, 3, 7), new int[3], null))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> Softmax.shiftedTokenLogProbs(t,
                    Tensor.parameter(r.array(1, 2, 7).castTo(DataType.FLOAT)), new int[] {7}, null))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
