package dev.lethe.engine.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.engine.GradCheck;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.testing.Rand;
import java.util.List;
import org.junit.jupiter.api.Test;

class ElementwiseMatMulGradTest {
    private final Rand r = new Rand(7);

    private static void assertGrad(GradCheck.Fn fn, Tensor... in) {
        GradCheck.Result res = GradCheck.check(fn, List.of(in));
        assertThat(res.maxRelativeError()).as("max relative error %s", res.perInput()).isLessThan(1e-6);
    }

    @Test
    void broadcastingBinaryOps() {
        Tensor a = r.param(2, 3, 4);
        Tensor b = r.param(3, 1);
        Tensor c = Tensor.parameter(r.uniform(0.5, 2.0, 1, 4));
        assertGrad((t, x) -> Elementwise.add(t, x.get(0), x.get(1)), a, b);
        assertGrad((t, x) -> Elementwise.sub(t, x.get(1), x.get(0)), a, b);
        assertGrad((t, x) -> Elementwise.mul(t, x.get(0), x.get(1)), a, b);
        assertGrad((t, x) -> Elementwise.div(t, x.get(0), x.get(1)), a, c);
    }

    @Test
    void nonContiguousInputs() {
        Tensor a = r.transposedParam(3, 4);
        Tensor b = r.slicedParam(3, 4);
        assertGrad((t, x) -> Elementwise.mul(t, x.get(0), x.get(1)), a, b);
        assertGrad((t, x) -> Elementwise.tanh(t, x.get(0)), b);
    }

    @Test
    void unaryOps() {
        Tensor x = r.param(3, 5);
        Tensor pos = Tensor.parameter(r.uniform(0.3, 3.0, 3, 5));
        assertGrad((t, v) -> Elementwise.exp(t, v.get(0)), x);
        assertGrad((t, v) -> Elementwise.neg(t, v.get(0)), x);
        assertGrad((t, v) -> Elementwise.log(t, v.get(0)), pos);
        assertGrad((t, v) -> Elementwise.sqrt(t, v.get(0)), pos);
        assertGrad((t, v) -> Elementwise.rsqrt(t, v.get(0)), pos);
        assertGrad((t, v) -> Elementwise.pow(t, v.get(0), 2.7), pos);
        assertGrad((t, v) -> Elementwise.pow(t, v.get(0), 3), x);
        assertGrad((t, v) -> Elementwise.abs(t, v.get(0)), x);
        assertGrad((t, v) -> Elementwise.tanh(t, v.get(0)), x);
        assertGrad((t, v) -> Elementwise.sigmoid(t, v.get(0)), x);
        assertGrad((t, v) -> Elementwise.logSigmoid(t, v.get(0)), x);
        assertGrad((t, v) -> Elementwise.silu(t, v.get(0)), x);
        assertGrad((t, v) -> Elementwise.geluTanh(t, v.get(0)), x);
        assertGrad((t, v) -> Elementwise.geluErf(t, v.get(0)), x);
        assertGrad((t, v) -> Elementwise.relu(t, v.get(0)), x);
        assertGrad((t, v) -> Elementwise.clamp(t, v.get(0), -0.5, 0.7), x);
        assertGrad((t, v) -> Elementwise.addScalar(t, Elementwise.mulScalar(t, v.get(0), 3.0), 2.0), x);
        assertGrad((t, v) -> Elementwise.rsubScalar(t, v.get(0), 1.0), x);
    }

    @Test
    void matmulVariants() {
        Tensor a = r.param(2, 3, 4);
        Tensor w = r.param(4, 5);
        Tensor wt = r.param(5, 4);
        Tensor b = r.param(2, 4, 5);
        Tensor bt = r.param(2, 5, 4);
        Tensor at = r.param(2, 4, 3);
        assertGrad((t, x) -> MatMul.matmul(t, x.get(0), x.get(1)), a, w);
        assertGrad((t, x) -> MatMul.matmul(t, x.get(0), x.get(1), false, true), a, wt);
        assertGrad((t, x) -> MatMul.matmul(t, x.get(0), x.get(1)), a, b);
        assertGrad((t, x) -> MatMul.matmul(t, x.get(0), x.get(1), false, true), a, bt);
        assertGrad((t, x) -> MatMul.matmul(t, x.get(0), x.get(1), true, false), at, b);
        assertGrad((t, x) -> MatMul.matmul(t, x.get(0), x.get(1), true, true), at, bt);
        assertGrad((t, x) -> MatMul.matmul(t, x.get(0), x.get(1), true, false), at, w);
        Tensor bias = r.param(5);
        assertGrad((t, x) -> MatMul.linear(t, x.get(0), x.get(1), x.get(2)), a, wt, bias);
        assertGrad((t, x) -> MatMul.matmul(t, x.get(0), x.get(1)), r.transposedParam(3, 4), r.slicedParam(4, 2));
    }
}
