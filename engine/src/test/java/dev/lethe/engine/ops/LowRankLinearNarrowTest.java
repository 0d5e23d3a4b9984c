package dev.lethe.engine.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.testing.Rand;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link LowRankLinear} with a frozen W stored in bf16 or f16: output and the gradients of x, A and B are bit-identical
 * (zero difference) to a float32 W holding the rounded values; bf16 storage rounds to nearest-even as computed here
 * from the float32 bit pattern; a trainable 16-bit W is refused.
 */
class LowRankLinearNarrowTest {
    private final Rand r = new Rand(11);

    @Test
    void sixteenBitWeightComputesExactlyWhatTheRoundedFloat32WeightComputes() {
        for (DataType storage : List.of(DataType.BFLOAT16, DataType.HALF)) {
            for (boolean inputFirst : new boolean[] {false, true}) {
                INDArray w32 = r.array(inputFirst ? new long[] {24, 16} : new long[] {16, 24}).castTo(DataType.FLOAT);
                INDArray stored = w32.castTo(storage);
                INDArray rounded = stored.castTo(DataType.FLOAT);
                Run narrow = run(Tensor.constant(stored), inputFirst);
                Run wide = run(Tensor.constant(rounded), inputFirst);
                assertThat(narrow.y).as("%s y", storage).isEqualTo(wide.y);
                assertThat(narrow.dx).as("%s dx", storage).isEqualTo(wide.dx);
                assertThat(narrow.da).as("%s dA", storage).isEqualTo(wide.da);
                assertThat(narrow.db).as("%s dB", storage).isEqualTo(wide.db);
            }
        }
    }

    @Test
    void bf16StorageRoundsToNearestEven() {
        float[] v = new float[1000];
        java.util.Random rnd = new java.util.Random(3);
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(9) - 4));
        }
        // exact ties: 1 + 2^-8 lies halfway between 1 and 1 + 2^-7 (rounds to the even 1), 1 + 3 * 2^-8 to 1 + 2^-6
        v[0] = 1f + 0x1p-8f;
        v[1] = 1f + 3 * 0x1p-8f;
        float[] back = Nd4j.createFromArray(v).castTo(DataType.BFLOAT16).castTo(DataType.FLOAT).toFloatVector();
        for (int i = 0; i < v.length; i++) {
            assertThat(Float.floatToRawIntBits(back[i])).as("%s", v[i]).isEqualTo(Float.floatToRawIntBits(bf16(v[i])));
        }
        assertThat(back[0]).isEqualTo(1f);
        assertThat(back[1]).isEqualTo(1f + 0x1p-6f);
    }

    @Test
    void aTrainableSixteenBitWeightIsRefused() {
        Tensor w = Tensor.parameter(r.array(4, 5).castTo(DataType.BFLOAT16));
        Tensor x = Tensor.constant(r.array(3, 5).castTo(DataType.FLOAT));
        Tensor a = Tensor.parameter(r.array(2, 5).castTo(DataType.FLOAT));
        Tensor b = Tensor.parameter(r.array(4, 2).castTo(DataType.FLOAT));
        try (Tape t = Tape.recording()) {
            assertThatThrownBy(() -> LowRankLinear.apply(t, x, w, false, x, a, b, 2.0))
                    .hasMessageContaining("stored in BFLOAT16 and cannot train");
        }
    }

    /** Round to nearest even on the upper 16 bits of the float32 pattern (finite inputs). */
    private static float bf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        bits += 0x7FFF + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(bits & 0xFFFF0000);
    }

    private record Run(float[] y, float[] dx, float[] da, float[] db) {
    }

    private Run run(Tensor w, boolean inputFirst) {
        Rand same = new Rand(5);
        Tensor x = Tensor.parameter(same.array(2, 3, 24).castTo(DataType.FLOAT));
        Tensor a = Tensor.parameter(same.array(4, 24).castTo(DataType.FLOAT));
        Tensor b = Tensor.parameter(same.array(16, 4).castTo(DataType.FLOAT));
        INDArray seed = same.array(2, 3, 16).castTo(DataType.FLOAT);
        try (Tape t = Tape.recording()) {
            Tensor y = LowRankLinear.apply(t, x, w, inputFirst, x, a, b, 2.0);
            float[] yv = flat(y.value());
            t.backward(y, seed);
            return new Run(yv, flat(x.grad()), flat(a.grad()),
                    flat(b.grad()));
        }
    }

    private static float[] flat(INDArray a) {
        return a.dup('c').reshape(a.length()).toFloatVector();
    }
}
