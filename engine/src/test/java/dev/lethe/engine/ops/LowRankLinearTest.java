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
 * {@link LowRankLinear} in float64: its value equals x op(W) + s (x_a A^T) B^T composed from MatMul ops (1e-12), and
 * the gradients of x, W, x_a, A and B match central finite differences, for nn.Linear and Conv1D weight layouts and
 * with the adapter input equal to x or separate (dropout).
 */
class LowRankLinearTest {
    private final Rand r = new Rand(7);

    @Test
    void valueAndGradients() {
        for (boolean inputFirst : new boolean[] {false, true}) {
            for (boolean sameInput : new boolean[] {true, false}) {
                Tensor x = r.param(2, 3, 5);
                Tensor w = inputFirst ? r.param(5, 4) : r.param(4, 5);
                Tensor xa = sameInput ? x : r.param(2, 3, 5);
                Tensor a = r.param(2, 5);
                Tensor b = r.param(4, 2);
                double s = 1.5;
                try (Tape t = Tape.inference()) {
                    INDArray fused = LowRankLinear.apply(t, x, w, inputFirst, xa, a, b, s).value();
                    Tensor base = inputFirst ? MatMul.matmul(t, x, w) : MatMul.linear(t, x, w, null);
                    Tensor low = MatMul.linear(t, MatMul.linear(t, xa, a, null), b, null);
                    INDArray composed = Elementwise.add(t, base, Elementwise.mulScalar(t, low, s)).value();
                    assertThat(fused.sub(composed).amaxNumber().doubleValue()).isLessThan(1e-12);
                }
                List<Tensor> in = sameInput ? List.of(x, w, a, b) : List.of(x, w, xa, a, b);
                GradCheck.Result res = GradCheck.check((t, v) -> LowRankLinear.apply(t, x, w, inputFirst, xa, a, b, s),
                        in);
                assertThat(res.maxRelativeError()).as("inputFirst %s same %s: %s", inputFirst, sameInput,
                        res.perInput()).isLessThan(1e-6);
            }
        }
    }
}
