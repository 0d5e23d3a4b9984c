package dev.lethe.engine.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.engine.GradCheck;
import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.testing.Rand;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link Recompute} around two stacked blocks y = x + silu(x W1) W2 (float64): gradients of x and of the weights
 * match central finite differences, equal the plain graph's byte for byte, and a block whose weights and input need
 * no gradient is not recorded.
 */
class RecomputeTest {
    private final Rand r = new Rand(5);

    private static Tensor block(Tape tape, Tensor x, Tensor w1, Tensor w2) {
        return Elementwise.add(tape, x, MatMul.matmul(tape, Elementwise.silu(tape, MatMul.matmul(tape, x, w1)), w2));
    }

    private static Tensor net(Tape tape, List<Tensor> in, boolean recompute) {
        Tensor x = in.get(0);
        for (int i = 0; i < 2; i++) {
            Tensor w1 = in.get(1 + 2 * i);
            Tensor w2 = in.get(2 + 2 * i);
            x = recompute ? Recompute.apply(tape, x, List.of(w1, w2), (t, v) -> block(t, v, w1, w2))
                    : block(tape, x, w1, w2);
        }
        return x;
    }

    @Test
    void gradientsMatchFiniteDifferencesAndThePlainGraphBitForBit() {
        List<Tensor> in = List.of(r.param(2, 3, 4), r.param(4, 5), r.param(5, 4), r.param(4, 5), r.param(5, 4));
        GradCheck.Result res = GradCheck.check((t, v) -> net(t, v, true), in);
        assertThat(res.maxRelativeError()).as("%s", res.perInput()).isLessThan(1e-6);
        List<byte[]> recomputed = in.stream().map(t -> t.grad().data().asBytes()).toList();
        GradCheck.check((t, v) -> net(t, v, false), in);
        for (int i = 0; i < in.size(); i++) {
            assertThat(in.get(i).grad().data().asBytes()).as("input %d", i).isEqualTo(recomputed.get(i));
        }
    }

    @Test
    void aBlockWithoutTrainableInputsIsNotRecorded() {
        Tensor x = Tensor.constant(r.param(2, 4).value());
        Tensor w1 = Tensor.constant(r.param(4, 3).value());
        Tensor w2 = Tensor.constant(r.param(3, 4).value());
        try (Tape tape = Tape.recording()) {
            Tensor y = Recompute.apply(tape, x, List.of(w1, w2), (t, v) -> block(t, v, w1, w2));
            assertThat(y.requiresGrad()).isFalse();
            assertThat(tape.recordedOps()).isZero();
            INDArray plain = block(tape, x, w1, w2).value();
            assertThat(y.value().data().asBytes()).isEqualTo(plain.data().asBytes());
        }
    }
}
