package dev.lethe.engine.ops;

import dev.lethe.engine.testing.Exact;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.kernel.Par;
import dev.lethe.engine.testing.Rand;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The one-query inference path of {@link Attention} (KV-cache decoding) equals the general GEMM path (taken when an
 * input needs a gradient) to float32 rounding, on strided cache views, grouped heads and key masks, and is the same
 * with one or two threads.
 */
class DecodeAttentionTest {
    private final Rand r = new Rand(77);

    private static INDArray general(Tensor q, Tensor k, Tensor v, int[] mask, boolean causal) {
        // a gradient-requiring copy of q forces the general (recorded, GEMM) path
        Tensor qg = Tensor.parameter(q.value().dup());
        try (Tape t = Tape.recording()) {
            return Attention.attention(t, qg, k, v, mask, 0.125, causal).value().dup();
        }
    }

    private static INDArray decode(Tensor q, Tensor k, Tensor v, int[] mask, boolean causal) {
        try (Tape t = Tape.inference()) {
            return Attention.attention(t, q, k, v, mask, 0.125, causal).value().dup();
        }
    }

    @Test
    void matchesGemmPathOnCacheViews() {
        long saved = Par.minWork();
        try {
            for (int hkv : new int[] {4, 2, 1}) {
                for (boolean causal : new boolean[] {true, false}) {
                    // cache [B, Hkv, capacity, Dh] of which the first 9 positions are filled
                    INDArray kc = r.array(2, hkv, 16, 8).muli(2).castTo(DataType.FLOAT);
                    INDArray vc = r.array(2, hkv, 16, 8).castTo(DataType.FLOAT);
                    Tensor k = Tensor.constant(kc.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, 9),
                            NDArrayIndex.all()));
                    Tensor v = Tensor.constant(vc.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, 9),
                            NDArrayIndex.all()));
                    // q as the model makes it: [B, 1, H, Dh] permuted to [B, H, 1, Dh]
                    Tensor q = Tensor.constant(r.array(2, 1, 4, 8).castTo(DataType.FLOAT).permute(0, 2, 1, 3));
                    int[] mask = new int[2 * 9];
                    java.util.Arrays.fill(mask, 1);
                    mask[0] = 0;
                    mask[9 + 3] = 0;
                    for (int[] m : new int[][] {null, mask}) {
                        Par.setMinWork(Long.MAX_VALUE);
                        INDArray want = general(q, k, v, m, causal);
                        INDArray serial = decode(q, k, v, m, causal);
                        Par.setMinWork(1);
                        INDArray split = decode(q, k, v, m, causal);
                        assertThat(serial.shape()).isEqualTo(want.shape());
                        double err = serial.castTo(DataType.DOUBLE).sub(want.castTo(DataType.DOUBLE)).amaxNumber()
                                .doubleValue();
                        assertThat(err).as("hkv %d causal %s", hkv, causal).isLessThan(1e-6);
                        Exact.assertBitIdentical("split", serial, split);
                    }
                }
            }
        } finally {
            Par.setMinWork(saved);
        }
    }

    @Test
    void fullyMaskedRowGivesZeros() {
        Tensor q = Tensor.constant(r.array(1, 2, 1, 4).castTo(DataType.FLOAT));
        Tensor k = Tensor.constant(r.array(1, 2, 3, 4).castTo(DataType.FLOAT));
        Tensor v = Tensor.constant(r.array(1, 2, 3, 4).castTo(DataType.FLOAT));
        int[] mask = {0, 0, 0};
        INDArray want = general(q, k, v, mask, true);
        INDArray got = decode(q, k, v, mask, true);
        Exact.assertBitIdentical("got", want, got);
        assertThat(got.amaxNumber().doubleValue()).isEqualTo(0.0);
    }
}
