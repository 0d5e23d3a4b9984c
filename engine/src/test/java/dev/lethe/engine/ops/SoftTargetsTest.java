package dev.lethe.engine.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.GradCheck;
import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.testing.Rand;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link SoftTargets}: values worked by hand, gradients against float64 finite differences (contiguous, transposed and
 * strided logits; lowered, removed and plain targets; temperature; rows of weight 0), and no [.., V] buffer taken.
 */
class SoftTargetsTest {
    private final Rand r = new Rand(23);

    private static double value(Tensor t) {
        return t.value().getDouble(0);
    }

    private static Tensor row(double... z) {
        return Tensor.parameter(Nd4j.createFromArray(z).reshape(1, z.length));
    }

    @Test
    void valuesAndGradientWorkedByHand() {
        double ln2 = Math.log(2);
        // q = softmax(0, -inf, 0) = (1/2, 0, 1/2); p = softmax(0, ln 2, 0) = (1/4, 1/2, 1/4)
        INDArray zeros = Nd4j.zeros(DataType.DOUBLE, 1, 3);
        SoftTargets.Target removed = SoftTargets.Target.without(zeros, new int[] {1});
        Tensor z = row(0, ln2, 0);
        try (Tape t = Tape.recording()) {
            // 3 H(q, p) = -3 (1/2 ln 1/4 + 1/2 ln 1/4) = 3 ln 4
            Tensor ce = SoftTargets.crossEntropy(t, removed, z, new double[] {3});
            assertThat(value(ce)).isCloseTo(3 * Math.log(4), within(1e-15));
            t.backward(ce);
        }
        // 3 (p - q) = 3 (-1/4, 1/2, -1/4)
        assertThat(z.grad().toDoubleVector()).containsExactly(new double[] {-0.75, 1.5, -0.75}, within(1e-15));
        try (Tape t = Tape.inference()) {
            // KL(q || p) = 2 * 1/2 ln((1/2) / (1/4)) = ln 2
            assertThat(value(SoftTargets.klDivergence(t, removed, z, new double[] {1}))).isCloseTo(ln2, within(1e-15));
            // q = softmax(0 - ln 2, 0, 0) = (1/5, 2/5, 2/5) against p = 1/3: H = ln 3, KL = 1/5 ln(3/5) + 4/5 ln(6/5)
            SoftTargets.Target lowered = SoftTargets.Target.lowered(zeros, new int[] {0}, ln2);
            assertThat(value(SoftTargets.crossEntropy(t, lowered, row(0, 0, 0), new double[] {1})))
                    .isCloseTo(Math.log(3), within(1e-15));
            assertThat(value(SoftTargets.klDivergence(t, lowered, row(0, 0, 0), new double[] {1})))
                    .isCloseTo(0.2 * Math.log(0.6) + 0.8 * Math.log(1.2), within(1e-15));
            // T = 2: q = softmax((2 ln 2, 0) / 2) = (2/3, 1/3), p = softmax((0, 2 ln 2) / 2) = (1/3, 2/3);
            // KL = 2/3 ln 2 + 1/3 ln(1/2) = ln 2 / 3
            INDArray a = Nd4j.createFromArray(2 * ln2, 0).reshape(1, 2);
            assertThat(value(SoftTargets.klDivergence(t, SoftTargets.Target.softmaxOf(a), row(0, 2 * ln2), 2.0,
                    new double[] {1}))).isCloseTo(ln2 / 3, within(1e-15));
        }
    }

    private static void assertGrad(GradCheck.Fn fn, Tensor in) {
        GradCheck.Result res = GradCheck.check(fn, List.of(in));
        assertThat(res.maxRelativeError()).as("max relative error %s", res.perInput()).isLessThan(1e-6);
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        INDArray a = r.array(2, 3, 5).muli(2);
        INDArray aStrided = r.array(2, 3, 10).get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2, 10));
        int[] index = {4, 0, -1, 2, 3, -100};
        double[] w = {0.5, 1.0, 0.25, 0.0, 2.0, 0.0}; // rows 3 and 5 skipped (row 5's index is not a token)
        for (Tensor z : List.of(r.param(2, 3, 5), r.transposedParam(2, 3, 5), r.slicedParam(2, 3, 5))) {
            assertGrad((t, v) -> SoftTargets.crossEntropy(t, SoftTargets.Target.lowered(a, index, 3.0), v.get(0), w), z);
            assertGrad((t, v) -> SoftTargets.crossEntropy(t, SoftTargets.Target.without(a, index), v.get(0), w), z);
            assertGrad((t, v) -> SoftTargets.klDivergence(t, SoftTargets.Target.softmaxOf(aStrided), v.get(0), w), z);
            assertGrad((t, v) -> SoftTargets.klDivergence(t, SoftTargets.Target.lowered(a, index, 1.5), v.get(0), 2.5,
                    w), z);
        }
    }

    @Test
    void rowsOfWeightZeroGetNoGradient() {
        Tensor z = r.param(3, 4);
        try (Tape t = Tape.recording()) {
            t.backward(SoftTargets.klDivergence(t, SoftTargets.Target.softmaxOf(r.array(3, 4)), z,
                    new double[] {1, 0, 1}));
        }
        assertThat(z.grad().getRow(1).toDoubleVector()).containsOnly(0.0);
        assertThat(z.grad().getRow(0).toDoubleVector()).doesNotContain(0.0);
    }

    @Test
    void takesNoBufferOfTheLogitsSize() {
        long rows = 64;
        long v = 1000;
        Tensor z = Tensor.parameter(r.array(rows, v).castTo(DataType.FLOAT));
        INDArray a = r.array(rows, v).castTo(DataType.FLOAT);
        double[] w = new double[(int) rows];
        java.util.Arrays.fill(w, 1.0 / rows);
        BufferPool pool = new BufferPool();
        try (Tape t = Tape.recording(pool)) {
            t.backward(SoftTargets.klDivergence(t, SoftTargets.Target.softmaxOf(a), z, w));
        }
        // the [1] loss (and the backward seed): far below one [rows, V] float buffer of 256 000 bytes
        assertThat(pool.allocatedBytes()).isLessThan(rows * v * 4 / 100);
        assertThat(z.grad()).isNotNull();
    }

    @Test
    void badInputIsRefusedWithTheReason() {
        INDArray a = r.array(2, 3);
        try (Tape t = Tape.inference()) {
            assertThatThrownBy(() -> SoftTargets.crossEntropy(t, SoftTargets.Target.softmaxOf(a), r.param(2, 4),
                    new double[2])).hasMessageContaining("target logits [2, 3] and logits [2, 4] differ in shape");
            assertThatThrownBy(() -> SoftTargets.crossEntropy(t, SoftTargets.Target.softmaxOf(a), r.param(2, 3),
                    new double[3])).hasMessageContaining("2 rows but 3 row weights");
            assertThatThrownBy(() -> SoftTargets.crossEntropy(t, SoftTargets.Target.without(a, new int[] {0, 3}),
                    r.param(2, 3), new double[] {1, 1})).hasMessageContaining("target index 3 at row 1");
        }
    }
}
