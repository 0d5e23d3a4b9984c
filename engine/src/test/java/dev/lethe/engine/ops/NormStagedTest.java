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
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * RMSNorm and LayerNorm on dense float32 rows (staged through heap arrays) equal the strided float32 loops bit for
 * bit, values and gradients of input, weight and bias.
 */
class NormStagedTest {
    private final Rand r = new Rand(91);

    private static List<INDArray> run(boolean rms, Tensor x, Tensor w, Tensor b, INDArray seed) {
        for (Tensor t : new Tensor[] {x, w, b}) {
            if (t != null) {
                t.clearGrad();
            }
        }
        List<INDArray> out = new ArrayList<>();
        try (Tape tape = Tape.recording()) {
            Tensor y = rms ? Normalization.rmsNorm(tape, x, w, 1e-5, false)
                    : Normalization.layerNorm(tape, x, w, b, 1e-5);
            out.add(y.value().dup());
            tape.backward(y, seed);
        }
        out.add(x.grad().dup());
        out.add(w.grad().dup());
        if (b != null) {
            out.add(b.grad().dup());
        }
        return out;
    }

    @Test
    void stagedRowsEqualStridedLoopsBitForBit() {
        long saved = Par.minWork();
        try {
            for (long minWork : new long[] {Long.MAX_VALUE, 1}) {
                Par.setMinWork(minWork);
                for (boolean rms : new boolean[] {true, false}) {
                    INDArray base = r.array(3, 5, 37).muli(2).addi(0.3).castTo(DataType.FLOAT);
                    Tensor dense = Tensor.parameter(base.dup('c'));
                    // the same values in transposed storage: a strided last axis takes the unstaged loops
                    Tensor strided = Tensor.parameter(base.dup('f'));
                    assertThat(strided.value().stride(2)).isNotEqualTo(1L);
                    Tensor w = Tensor.parameter(r.array(37).castTo(DataType.FLOAT));
                    Tensor b = rms ? null : Tensor.parameter(r.array(37).castTo(DataType.FLOAT));
                    INDArray seed = r.array(3, 5, 37).castTo(DataType.FLOAT);
                    List<INDArray> a = run(rms, dense, w, b, seed);
                    List<INDArray> c = run(rms, strided, w, b, seed);
                    for (int i = 0; i < a.size(); i++) {
                        Exact.assertBitIdentical(String.format("rms %s array %d", rms, i), c.get(i), a.get(i));
                        assertThat(a.get(i).sub(c.get(i)).amaxNumber().doubleValue()).isEqualTo(0.0);
                    }
                }
            }
        } finally {
            Par.setMinWork(saved);
        }
    }

    @Test
    void gradientCheck() {
        GradCheck.Result res = GradCheck.check((t, v) -> Normalization.rmsNorm(t, v.get(0), v.get(1), 1e-5, false),
                List.of(r.param(2, 3, 40), r.param(40)));
        assertThat(res.maxRelativeError()).as("max relative error %s", res.perInput()).isLessThan(1e-6);
    }
}
