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

/** Finite-difference and hand-computed checks of {@link Shaping}. */
class ShapingGradTest {
    private final Rand r = new Rand(13);

    private static void assertGrad(GradCheck.Fn fn, Tensor... in) {
        GradCheck.Result res = GradCheck.check(fn, List.of(in));
        assertThat(res.maxRelativeError()).as("max relative error %s", res.perInput()).isLessThan(1e-6);
    }

    /** Elements in row-major order of the logical shape (whatever the strides). */
    private static double[] values(Tensor t) {
        INDArray v = t.value();
        long[] shape = v.shape();
        double[] out = new double[(int) v.length()];
        long[] idx = new long[shape.length];
        for (int i = 0; i < out.length; i++) {
            long rem = i;
            for (int d = shape.length - 1; d >= 0; d--) {
                idx[d] = rem % shape[d];
                rem /= shape[d];
            }
            out[i] = v.getDouble(idx);
        }
        return out;
    }

    /** Address of a tensor's first element (equal for views of the same memory at the same offset). */
    private static long address(Tensor t) {
        INDArray v = t.value();
        return v.data().address() + v.offset() * v.data().getElementSize();
    }

    private static Tensor iota(long... shape) {
        int n = 1;
        for (long s : shape) {
            n *= (int) s;
        }
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = i;
        }
        return Tensor.constant(DataType.DOUBLE, d, shape);
    }

    @Test
    void reshapeContiguousAndNot() {
        Tensor x = r.param(2, 3, 4);
        assertGrad((t, v) -> Shaping.reshape(t, v.get(0), 6, 4), x);
        assertGrad((t, v) -> Shaping.reshape(t, v.get(0), -1, 2, 3), x);
        assertGrad((t, v) -> Shaping.reshape(t, v.get(0), 24), x);
        assertGrad((t, v) -> Shaping.reshape(t, v.get(0), 4, -1), r.transposedParam(2, 3, 4));
        assertGrad((t, v) -> Shaping.reshape(t, v.get(0), 3, 4), r.slicedParam(2, 6));
        // contiguous slice along axis 0 (offset view) reshaped as a view
        assertGrad((t, v) -> Shaping.reshape(t, Shaping.slice(t, v.get(0), 0, 1, 2), 12), x);
        try (Tape tape = Tape.inference()) {
            Tensor y = Shaping.reshape(tape, x, 4, 6);
            assertThat(address(y)).isEqualTo(address(x));
            Tensor z = Shaping.reshape(tape, Shaping.slice(tape, iota(3, 4), 0, 1, 3), -1);
            assertThat(values(z)).containsExactly(4, 5, 6, 7, 8, 9, 10, 11);
            Tensor tr = Shaping.reshape(tape, Shaping.transpose(tape, iota(2, 3), 0, 1), 6);
            assertThat(values(tr)).containsExactly(0, 3, 1, 4, 2, 5);
        }
        assertThatThrownBy(() -> {
            try (Tape tape = Tape.inference()) {
                Shaping.reshape(tape, x, 5, -1);
            }
        }).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
    }

    @Test
    void permuteAndTranspose() {
        Tensor x = r.param(2, 3, 4);
        assertGrad((t, v) -> Shaping.permute(t, v.get(0), 2, 0, 1), x);
        assertGrad((t, v) -> Shaping.permute(t, v.get(0), 1, -1, 0), r.transposedParam(2, 3, 4));
        assertGrad((t, v) -> Shaping.transpose(t, v.get(0), 0, -1), r.slicedParam(3, 2, 4));
        // permute then a copying reshape then an elementwise op (the attention head split/merge pattern)
        assertGrad((t, v) -> Elementwise.tanh(t, Shaping.reshape(t,
                Shaping.permute(t, Shaping.reshape(t, v.get(0), 2, 3, 2, 2), 0, 2, 1, 3), 2, 2, 6)), x);
        try (Tape tape = Tape.inference()) {
            Tensor base = iota(2, 3);
            Tensor p = Shaping.permute(tape, base, 1, 0);
            assertThat(p.shape()).containsExactly(3, 2);
            assertThat(values(p)).containsExactly(0, 3, 1, 4, 2, 5);
            assertThat(address(p)).isEqualTo(address(base));
            Tensor q = Shaping.permute(tape, iota(2, 3, 4), 2, 0, 1);
            assertThat(q.shape()).containsExactly(4, 2, 3);
            assertThat(q.value().getDouble(3, 1, 2)).isEqualTo(12 + 2 * 4 + 3);
        }
        assertThatThrownBy(() -> {
            try (Tape tape = Tape.inference()) {
                Shaping.permute(tape, x, 0, 0, 1);
            }
        }).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sliceViews() {
        Tensor x = r.param(3, 4, 5);
        assertGrad((t, v) -> Shaping.slice(t, v.get(0), 0, 1, 3), x);
        assertGrad((t, v) -> Shaping.slice(t, v.get(0), 1, 2, 4), x);
        assertGrad((t, v) -> Shaping.slice(t, v.get(0), -1, 0, 2), x);
        assertGrad((t, v) -> Shaping.slice(t, v.get(0), -1, 1, 4), r.transposedParam(2, 3, 5));
        assertGrad((t, v) -> Shaping.slice(t, v.get(0), 0, 1, 2), r.slicedParam(3, 4));
        // two overlapping slices of one input combined: gradients accumulate
        assertGrad((t, v) -> Elementwise.mul(t, Shaping.slice(t, v.get(0), 1, 0, 3),
                Shaping.slice(t, v.get(0), 1, 1, 4)), x);
        try (Tape tape = Tape.inference()) {
            Tensor s = Shaping.slice(tape, iota(3, 4), 1, 1, 3);
            assertThat(s.shape()).containsExactly(3, 2);
            assertThat(values(s)).containsExactly(1, 2, 5, 6, 9, 10);
            Tensor s2 = Shaping.slice(tape, s, 0, 2, 3);
            assertThat(values(s2)).containsExactly(9, 10);
        }
        assertThatThrownBy(() -> {
            try (Tape tape = Tape.inference()) {
                Shaping.slice(tape, x, 1, 3, 5);
            }
        }).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out of range");
    }

    @Test
    void concatAlongEachAxis() {
        Tensor a = r.param(2, 3, 4);
        Tensor b = r.param(2, 1, 4);
        Tensor c = r.transposedParam(2, 2, 4);
        Tensor k = Tensor.constant(r.array(2, 3, 2));
        assertGrad((t, v) -> Shaping.concat(t, 1, v.get(0), v.get(1), v.get(2)), a, b, c);
        assertGrad((t, v) -> Shaping.concat(t, -1, v.get(0), k, v.get(0)), a);
        assertGrad((t, v) -> Shaping.concat(t, 0, v.get(0), v.get(1)), r.slicedParam(2, 3), r.param(1, 3));
        try (Tape tape = Tape.inference()) {
            Tensor x = Tensor.constant(Nd4j.createFromArray(new double[][] {{1, 2}, {3, 4}}));
            Tensor y = Tensor.constant(Nd4j.createFromArray(new double[][] {{5}, {6}}));
            Tensor z = Shaping.concat(tape, 1, y, x, y);
            assertThat(z.shape()).containsExactly(2, 4);
            assertThat(values(z)).containsExactly(5, 1, 2, 5, 6, 3, 4, 6);
            Tensor w = Shaping.concat(tape, 0, x, Shaping.transpose(tape, x, 0, 1));
            assertThat(values(w)).containsExactly(1, 2, 3, 4, 1, 3, 2, 4);
        }
        assertThatThrownBy(() -> {
            try (Tape tape = Tape.inference()) {
                Shaping.concat(tape, 0, a, b);
            }
        }).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("concat");
    }

    @Test
    void squeezeUnsqueezeContiguous() {
        Tensor x = r.param(2, 3);
        Tensor xt = r.transposedParam(3, 4);
        assertGrad((t, v) -> Shaping.unsqueeze(t, v.get(0), 1), x);
        assertGrad((t, v) -> Shaping.unsqueeze(t, v.get(0), -1), xt);
        assertGrad((t, v) -> Shaping.unsqueeze(t, v.get(0), 0), xt);
        assertGrad((t, v) -> Shaping.squeeze(t, Shaping.unsqueeze(t, v.get(0), 1), 1), xt);
        assertGrad((t, v) -> Shaping.squeeze(t, v.get(0), 1), r.slicedParam(3, 1, 4));
        assertGrad((t, v) -> Shaping.contiguous(t, v.get(0)), xt);
        assertGrad((t, v) -> Elementwise.add(t, Shaping.unsqueeze(t, v.get(0), 0), v.get(1)), xt, r.param(2, 3, 4));
        try (Tape tape = Tape.inference()) {
            Tensor u = Shaping.unsqueeze(tape, Shaping.transpose(tape, iota(2, 3), 0, 1), 1);
            assertThat(u.shape()).containsExactly(3, 1, 2);
            assertThat(values(u)).containsExactly(0, 3, 1, 4, 2, 5);
            Tensor cont = Shaping.contiguous(tape, Shaping.transpose(tape, iota(2, 3), 0, 1));
            assertThat(cont.value().stride()).containsExactly(2, 1);
            assertThat(values(cont)).containsExactly(0, 3, 1, 4, 2, 5);
            assertThat(Shaping.contiguous(tape, x)).isSameAs(x);
        }
        assertThatThrownBy(() -> {
            try (Tape tape = Tape.inference()) {
                Shaping.squeeze(tape, x, 0);
            }
        }).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("size 1");
    }
}
