package dev.lethe.engine.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lethe.engine.GradCheck;
import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.testing.Rand;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Finite-difference and hand-computed checks of {@link Reductions}. */
class ReductionsGradTest {
    private final Rand r = new Rand(11);

    private static void assertGrad(GradCheck.Fn fn, Tensor... in) {
        GradCheck.Result res = GradCheck.check(fn, List.of(in));
        assertThat(res.maxRelativeError()).as("max relative error %s", res.perInput()).isLessThan(1e-6);
    }

    private static double[] values(Tensor t) {
        INDArray v = t.value();
        double[] out = new double[(int) v.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.getDouble(i);
        }
        return out;
    }

    private static double[] values(INDArray v) {
        double[] out = new double[(int) v.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.getDouble(i);
        }
        return out;
    }

    @Test
    void sumAndMeanOverAxes() {
        Tensor x = r.param(2, 3, 4);
        for (boolean keep : new boolean[] {false, true}) {
            assertGrad((t, v) -> Reductions.sum(t, v.get(0), keep, 1), x);
            assertGrad((t, v) -> Reductions.sum(t, v.get(0), keep, -1), x);
            assertGrad((t, v) -> Reductions.sum(t, v.get(0), keep, 0, 2), x);
            assertGrad((t, v) -> Reductions.sum(t, v.get(0), keep), x);
            assertGrad((t, v) -> Reductions.mean(t, v.get(0), keep, -2), x);
            assertGrad((t, v) -> Reductions.mean(t, v.get(0), keep, 2, 0), x);
            assertGrad((t, v) -> Reductions.mean(t, v.get(0), keep), x);
        }
        assertGrad((t, v) -> Reductions.sumAll(t, v.get(0)), x);
        assertGrad((t, v) -> Reductions.meanAll(t, v.get(0)), x);
    }

    @Test
    void nonContiguousAndChained() {
        Tensor a = r.transposedParam(2, 3, 5);
        Tensor b = r.slicedParam(3, 4);
        assertGrad((t, v) -> Reductions.sum(t, v.get(0), false, -1), a);
        assertGrad((t, v) -> Reductions.mean(t, v.get(0), true, 0, 1), a);
        assertGrad((t, v) -> Reductions.sum(t, v.get(0), false, 0), b);
        assertGrad((t, v) -> Reductions.max(t, v.get(0), -1, false), a);
        assertGrad((t, v) -> Reductions.max(t, v.get(0), 1, true), a);
        assertGrad((t, v) -> Reductions.max(t, v.get(0), 0, false), b);
        // broadcast the reduced result back and reuse the input: x * mean(x, -1, keep) summed
        assertGrad((t, v) -> Reductions.sumAll(t,
                Elementwise.mul(t, v.get(0), Reductions.mean(t, v.get(0), true, -1))), b);
        assertGrad((t, v) -> Reductions.sum(t, Elementwise.exp(t, Reductions.max(t, v.get(0), 2, false)), false, 0),
                a);
    }

    @Test
    void maxOverEachAxis() {
        Tensor x = r.param(3, 4, 5);
        for (int axis = -3; axis < 3; axis++) {
            int ax = axis;
            assertGrad((t, v) -> Reductions.max(t, v.get(0), ax, false), x);
            assertGrad((t, v) -> Reductions.max(t, v.get(0), ax, true), x);
        }
    }

    @Test
    void handComputedSumsAndShapes() {
        Tensor x = Tensor.constant(DataType.DOUBLE, new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        try (Tape tape = Tape.inference()) {
            assertThat(values(Reductions.sum(tape, x, false, 0))).containsExactly(5, 7, 9);
            assertThat(values(Reductions.sum(tape, x, false, -1))).containsExactly(6, 15);
            Tensor all = Reductions.sum(tape, x, false);
            assertThat(all.shape()).containsExactly(1);
            assertThat(all.item()).isEqualTo(21);
            Tensor allKeep = Reductions.sum(tape, x, true);
            assertThat(allKeep.shape()).containsExactly(1, 1);
            assertThat(Reductions.sum(tape, x, false, 0, 1).shape()).containsExactly(1);
            assertThat(Reductions.sum(tape, x, true, 1).shape()).containsExactly(2, 1);
            assertThat(values(Reductions.mean(tape, x, false, 1))).containsExactly(2, 5);
            assertThat(Reductions.meanAll(tape, x).item()).isEqualTo(3.5);
            assertThat(values(Reductions.max(tape, x, 0, false))).containsExactly(4, 5, 6);
            // float32 path
            Tensor f = Tensor.constant(DataType.FLOAT, new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
            Tensor fs = Reductions.sum(tape, f, false, 1);
            assertThat(fs.dtype()).isEqualTo(DataType.FLOAT);
            assertThat(values(fs)).containsExactly(6, 15);
        }
        assertThatThrownBy(() -> {
            try (Tape tape = Tape.inference()) {
                Reductions.sum(tape, x, false, 2);
            }
        }).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("axis 2");
    }

    @Test
    void maxTiesSendTheGradientToTheFirstIndex() {
        // rows: [1, 3, 3] -> max 3 at index 1; [2, 2, 1] -> max 2 at index 0
        Tensor x = Tensor.parameter(Nd4j.createFromArray(new double[][] {{1, 3, 3}, {2, 2, 1}}));
        try (Tape tape = Tape.recording()) {
            Tensor m = Reductions.max(tape, x, 1, false);
            assertThat(m.shape()).containsExactly(2);
            assertThat(values(m)).containsExactly(3, 2);
            tape.backward(m, Nd4j.createFromArray(10.0, 20.0));
        }
        assertThat(values(x.grad())).containsExactly(0, 10, 0, 20, 0, 0);
        assertThat(Reductions.argmax(x, 1)).containsExactly(1, 0);
        assertThat(Reductions.argmax(x, 0)).containsExactly(1, 0, 0);
        // all-equal column: first index wins
        Tensor y = Tensor.parameter(Nd4j.createFromArray(new double[][] {{5, 1}, {5, 2}, {5, 3}}));
        try (Tape tape = Tape.recording()) {
            tape.backward(Reductions.sumAll(tape, Reductions.max(tape, y, 0, true)));
        }
        assertThat(values(y.grad())).containsExactly(1, 0, 0, 0, 0, 1);
    }

    @Test
    void argmaxOnNonContiguousInput() {
        Tensor a = r.transposedParam(2, 3, 4); // value [2, 3, 4], strides of a transpose
        int[] am = Reductions.argmax(a, -1);
        assertThat(am).hasSize(6);
        INDArray v = a.value();
        int k = 0;
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                int best = 0;
                for (int c = 1; c < 4; c++) {
                    if (v.getDouble(i, j, c) > v.getDouble(i, j, best)) {
                        best = c;
                    }
                }
                assertThat(am[k++]).isEqualTo(best);
            }
        }
    }
}
