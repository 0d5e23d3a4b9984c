package dev.lethe.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.engine.ops.Elementwise;
import dev.lethe.engine.ops.Shaping;
import dev.lethe.engine.testing.Exact;
import dev.lethe.engine.testing.Rand;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Additions hand their output gradient to their first input ({@link Tape#addToGrad}: no zero-fill, no add) and a copy
 * to the second, reshapes hand it on as a view; these graphs cover residual chains, an input added to itself, inputs that feed several ops, and
 * broadcasting, in float64 against finite differences and in float32 against the same values computed with the
 * residual stream h routed through neg and a subtraction's second input (branch - (-h), and 2h for h + h), so that
 * h's gradient is zero-filled and accumulated there instead of taken over.
 */
class ResidualGradTest {
    private final Rand r = new Rand(31);

    /** h = 1 * x; three times h = h + reshape(reshape(tanh(h))) * w; then (h + h) * sigmoid(first residual). */
    private static Tensor residualChain(Tape t, List<Tensor> in, boolean viaSub) {
        Tensor x = Elementwise.mulScalar(t, in.get(0), 1.0);
        Tensor w = in.get(1);
        Tensor h = x;
        Tensor first = null;
        for (int i = 0; i < 3; i++) {
            // through a reshape round trip, whose backward hands its gradient on as a view
            Tensor flat = Shaping.reshape(t, Elementwise.tanh(t, h), -1);
            Tensor branch = Elementwise.mul(t, Shaping.reshape(t, flat, h.shape()), w);
            h = viaSub ? Elementwise.sub(t, branch, Elementwise.neg(t, h)) : Elementwise.add(t, h, branch);
            first = first == null ? h : first;
        }
        Tensor twice = viaSub ? Elementwise.mulScalar(t, h, 2.0) : Elementwise.add(t, h, h);
        return Elementwise.mul(t, twice, Elementwise.sigmoid(t, first));
    }

    @Test
    void residualChainsMatchFiniteDifferences() {
        Tensor x = r.param(3, 4);
        Tensor w = r.param(4); // broadcast over rows
        GradCheck.Result res = GradCheck.check((t, in) -> residualChain(t, in, false), List.of(x, w));
        assertThat(res.maxRelativeError()).as("%s", res.perInput()).isLessThan(1e-6);
    }

    @Test
    void float32GradientsEqualTheZeroFillAndAccumulatePathBitForBit() {
        Tensor x = Tensor.parameter(r.param(5, 8).value().castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT));
        Tensor w = Tensor.parameter(r.param(8).value().castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT));
        INDArray[] viaAdd = grads(x, w, false);
        INDArray[] viaSub = grads(x, w, true);
        Exact.assertBitIdentical("dx", viaSub[0], viaAdd[0]);
        Exact.assertBitIdentical("dw", viaSub[1], viaAdd[1]);
    }

    private static INDArray[] grads(Tensor x, Tensor w, boolean viaSub) {
        x.clearGrad();
        w.clearGrad();
        try (Tape t = Tape.recording()) {
            Tensor y = residualChain(t, List.of(x, w), viaSub);
            t.backward(y, y.value().like().assign(0.5));
        }
        return new INDArray[] {x.grad().dup(), w.grad().dup()};
    }
}
