package dev.lethe.engine.ops;

import dev.lethe.engine.testing.Exact;
import static org.assertj.core.api.Assertions.assertThat;

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
 * RoPE on float32 rows with a unit-stride last axis (staged through heap arrays) equals the strided float32 loop bit
 * for bit, values and input gradients, for shared and per-sequence tables, full and partial rotary, with the loops run
 * on one thread or split across two.
 */
class RopeStagedTest {
    private final Rand r = new Rand(73);

    /** Value and gradient; x also feeds a second op so its gradient buffer accumulates onto non-zero values. */
    private static List<INDArray> run(Tensor x, INDArray cos, INDArray sin, int rotary, INDArray seed) {
        x.clearGrad();
        List<INDArray> out = new ArrayList<>();
        try (Tape tape = Tape.recording()) {
            Tensor y = Rope.apply(tape, x, cos, sin, rotary);
            Tensor z = Elementwise.add(tape, y, Elementwise.mulScalar(tape, x, 0.75));
            out.add(y.value().dup());
            tape.backward(z, seed);
        }
        out.add(x.grad().dup());
        return out;
    }

    private INDArray table(long... shape) {
        return r.uniform(-1, 1, shape).castTo(DataType.FLOAT);
    }

    @Test
    void stagedRowsEqualStridedLoopsBitForBit() {
        long saved = Par.minWork();
        try {
            for (long minWork : new long[] {Long.MAX_VALUE, 1}) {
                Par.setMinWork(minWork);
                for (int bc : new int[] {1, 3}) {
                    for (int rotary : new int[] {12, 8}) {
                        // [B, T, H, Dh] storage permuted to [B, H, T, Dh], as the model feeds it
                        INDArray base = r.array(3, 5, 4, 12).muli(2).castTo(DataType.FLOAT);
                        Tensor dense = Tensor.parameter(base.dup('c').permute(0, 2, 1, 3));
                        // the same values with a strided last axis: the unstaged loop
                        Tensor strided = Tensor.parameter(base.dup('f').permute(0, 2, 1, 3));
                        assertThat(dense.value().stride(3)).isEqualTo(1L);
                        assertThat(strided.value().stride(3)).isNotEqualTo(1L);
                        INDArray cos = table(bc, 5, rotary / 2);
                        INDArray sin = table(bc, 5, rotary / 2);
                        INDArray seed = r.array(3, 4, 5, 12).castTo(DataType.FLOAT);
                        List<INDArray> a = run(dense, cos, sin, rotary, seed);
                        List<INDArray> b = run(strided, cos, sin, rotary, seed);
                        // and strided cos/sin tables take the unstaged loop too
                        List<INDArray> c = run(dense, cos.dup('f'), sin.dup('f'), rotary, seed);
                        for (int i = 0; i < a.size(); i++) {
                            Exact.assertBitIdentical("bc " + bc + " rotary " + rotary + " array " + i, a.get(i),
                                    b.get(i));
                            Exact.assertBitIdentical("strided tables, array " + i, a.get(i), c.get(i));
                        }
                    }
                }
            }
        } finally {
            Par.setMinWork(saved);
        }
    }
}
