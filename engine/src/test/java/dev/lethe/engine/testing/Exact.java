package dev.lethe.engine.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The one assertion for "bit-identical" and "exact": same dtype, same shape and the same bit pattern in every element
 * (compared in row-major order, so views and transposes are compared by their logical values). ND4J's
 * {@code INDArray.equals} compares within 1e-5 and must not be used for this.
 */
public final class Exact {
    private Exact() {
    }

    /** Fails naming {@code what}, the first differing index and both values unless the arrays are bit-identical. */
    public static void assertBitIdentical(String what, INDArray expected, INDArray actual) {
        assertThat(actual.dataType()).as(what + ": dtype").isEqualTo(expected.dataType());
        assertThat(actual.shape()).as(what + ": shape").isEqualTo(expected.shape());
        long[] e = bits(expected);
        long[] a = bits(actual);
        for (int i = 0; i < e.length; i++) {
            if (e[i] != a[i]) {
                fail(what + ": element " + i + " (row-major) differs: expected " + expected.dup('c').getDouble(i)
                        + " (bits " + Long.toHexString(e[i]) + "), got " + actual.dup('c').getDouble(i) + " (bits "
                        + Long.toHexString(a[i]) + ")");
            }
        }
    }

    /** The elements' bit patterns in row-major order (raw IEEE bits for floating types, the value for integers). */
    private static long[] bits(INDArray x) {
        INDArray c = x.dup('c');
        int n = (int) c.length();
        long[] out = new long[n];
        DataType t = c.dataType();
        if (t == DataType.DOUBLE) {
            double[] v = c.data().asDouble();
            for (int i = 0; i < n; i++) {
                out[i] = Double.doubleToRawLongBits(v[i]);
            }
        } else if (t == DataType.FLOAT) {
            float[] v = c.data().asFloat();
            for (int i = 0; i < n; i++) {
                out[i] = Float.floatToRawIntBits(v[i]);
            }
        } else if (t.isFPType()) {
            INDArray w = c.castTo(DataType.FLOAT); // exact widening of f16/bf16
            float[] v = w.data().asFloat();
            for (int i = 0; i < n; i++) {
                out[i] = Float.floatToRawIntBits(v[i]);
            }
        } else {
            long[] v = c.castTo(DataType.LONG).data().asLong();
            System.arraycopy(v, 0, out, 0, n);
        }
        return out;
    }
}
