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

/** Finite-difference and hand-computed checks of {@link Indexing}. */
class IndexingGradTest {
    private final Rand r = new Rand(17);

    private static void assertGrad(GradCheck.Fn fn, Tensor... in) {
        GradCheck.Result res = GradCheck.check(fn, List.of(in));
        assertThat(res.maxRelativeError()).as("max relative error %s", res.perInput()).isLessThan(1e-6);
    }

    private static double[] values(INDArray v) {
        double[] out = new double[(int) v.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.getDouble(i);
        }
        return out;
    }

    private static Tensor mask(double[] data, long... shape) {
        return Tensor.constant(DataType.DOUBLE, data, shape);
    }

    @Test
    void embeddingGradients() {
        int[] ids = {3, 0, 6, 3, 3, 1};
        assertGrad((t, v) -> Embed.of(t, v.get(0), ids, 2, 3), r.param(7, 4));
        assertGrad((t, v) -> Embed.of(t, v.get(0), ids), r.transposedParam(7, 4));
        assertGrad((t, v) -> Embed.of(t, v.get(0), ids, 3, 2), r.slicedParam(7, 4));
        // embedding feeding a product with itself: a row used several times through two paths
        assertGrad((t, v) -> Elementwise.mul(t, Embed.of(t, v.get(0), ids, 2, 3),
                Embed.of(t, v.get(0), new int[] {1, 1, 2, 3, 4, 5}, 2, 3)), r.param(7, 4));
    }

    /** Shorthand so the lambdas above stay on one line. */
    private static final class Embed {
        static Tensor of(Tape t, Tensor w, int[] ids, long... shape) {
            return Indexing.embedding(t, w, ids, shape);
        }
    }

    @Test
    void embeddingRepeatedIdsAccumulate() {
        Tensor w = Tensor.parameter(Nd4j.createFromArray(new double[][] {{1, 2}, {3, 4}, {5, 6}}));
        try (Tape tape = Tape.recording()) {
            Tensor e = Indexing.embedding(tape, w, new int[] {2, 0, 2, 2}, 2, 2);
            assertThat(e.shape()).containsExactly(2, 2, 2);
            assertThat(values(e.value())).containsExactly(5, 6, 1, 2, 5, 6, 5, 6);
            INDArray seed = Nd4j.createFromArray(1.0, 10.0, 100.0, 1000.0, 2.0, 20.0, 3.0, 30.0).reshape(2, 2, 2);
            tape.backward(e, seed);
        }
        // row 2 picked at positions 0, 2, 3: (1+2+3, 10+20+30); row 0 at position 1; row 1 never
        assertThat(values(w.grad())).containsExactly(100, 1000, 0, 0, 6, 60);
        assertThatThrownBy(() -> {
            try (Tape tape = Tape.inference()) {
                Indexing.embedding(tape, w, new int[] {0, 3});
            }
        }).isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("id 3").hasMessageContaining("V=3");
        assertThatThrownBy(() -> {
            try (Tape tape = Tape.inference()) {
                Indexing.embedding(tape, w, new int[] {-1});
            }
        }).hasMessageContaining("id -1");
    }

    @Test
    void gatherLastGradients() {
        int[] idx = {4, 0, 2, 4, 1, 3};
        assertGrad((t, v) -> Indexing.gatherLast(t, v.get(0), idx), r.param(2, 3, 5));
        assertGrad((t, v) -> Indexing.gatherLast(t, v.get(0), idx), r.transposedParam(2, 3, 5));
        assertGrad((t, v) -> Indexing.gatherLast(t, v.get(0), new int[] {1, 1, 0}), r.slicedParam(3, 2));
        assertGrad((t, v) -> Indexing.gatherLast(t, v.get(0), new int[] {2}), r.param(4));
        try (Tape tape = Tape.recording()) {
            Tensor x = Tensor.parameter(Nd4j.createFromArray(new double[][] {{1, 2, 3}, {4, 5, 6}}));
            Tensor g = Indexing.gatherLast(tape, x, new int[] {2, 0});
            assertThat(g.shape()).containsExactly(2);
            assertThat(values(g.value())).containsExactly(3, 4);
            tape.backward(g, Nd4j.createFromArray(7.0, 9.0));
            assertThat(values(x.grad())).containsExactly(0, 0, 7, 9, 0, 0);
            assertThatThrownBy(() -> Indexing.gatherLast(tape, x, new int[] {0, 3}))
                    .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("index 3");
        }
    }

    @Test
    void maskedFillGradientsAndValues() {
        Tensor m34 = mask(new double[] {1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1}, 3, 4);
        Tensor m31 = mask(new double[] {0, 1, 0}, 3, 1);
        Tensor m234 = Tensor.constant(r.uniform(-1, 1, 2, 3, 4).gt(0).castTo(DataType.DOUBLE));
        assertGrad((t, v) -> Indexing.maskedFill(t, v.get(0), m34, -5.0), r.param(2, 3, 4));
        assertGrad((t, v) -> Indexing.maskedFill(t, v.get(0), m31, 0.0), r.transposedParam(2, 3, 4));
        assertGrad((t, v) -> Indexing.maskedFill(t, v.get(0), m234, 1.5), r.slicedParam(3, 4));
        assertGrad((t, v) -> Indexing.maskedFill(t, v.get(0), m34, 2.0), r.param(3, 1));
        try (Tape tape = Tape.recording()) {
            Tensor x = Tensor.parameter(Nd4j.createFromArray(new double[][] {{1, 2}, {3, 4}}));
            Tensor causal = Tensor.constant(Nd4j.createFromArray(new boolean[][] {{false, true}, {false, false}}));
            Tensor y = Indexing.maskedFill(tape, x, causal, Double.NEGATIVE_INFINITY);
            assertThat(values(y.value())).containsExactly(1, Double.NEGATIVE_INFINITY, 3, 4);
            tape.backward(y, Nd4j.ones(DataType.DOUBLE, 2, 2));
            assertThat(values(x.grad())).containsExactly(1, 0, 1, 1);
        }
    }

    @Test
    void whereGradientsAndValues() {
        Tensor c31 = mask(new double[] {1, 0, 1}, 3, 1);
        Tensor c234 = Tensor.constant(r.uniform(-1, 1, 2, 3, 4).gt(0).castTo(DataType.DOUBLE));
        assertGrad((t, v) -> Indexing.where(t, c31, v.get(0), v.get(1)), r.param(2, 3, 4), r.param(4));
        assertGrad((t, v) -> Indexing.where(t, c234, v.get(0), v.get(1)),
                r.transposedParam(3, 4), r.slicedParam(2, 1, 4));
        Tensor k = Tensor.constant(r.array(3, 4));
        assertGrad((t, v) -> Indexing.where(t, c234, k, v.get(0)), r.param(4));
        assertGrad((t, v) -> Indexing.where(t, c31, v.get(0), k), r.param(1, 4));
        try (Tape tape = Tape.recording()) {
            Tensor a = Tensor.parameter(Nd4j.createFromArray(1.0, 2.0, 3.0));
            Tensor b = Tensor.parameter(Nd4j.createFromArray(new double[][] {{10}, {20}}));
            Tensor cond = mask(new double[] {1, 0, 2}, 3);
            Tensor w = Indexing.where(tape, cond, a, b);
            assertThat(w.shape()).containsExactly(2, 3);
            assertThat(values(w.value())).containsExactly(1, 10, 3, 1, 20, 3);
            tape.backward(w, Nd4j.createFromArray(new double[][] {{1, 2, 3}, {4, 5, 6}}));
            assertThat(values(a.grad())).containsExactly(5, 0, 9);
            assertThat(values(b.grad())).containsExactly(2, 5);
        }
    }
}
