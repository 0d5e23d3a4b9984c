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
        INDArray e = expected.dup('c');
        INDArray a = actual.dup('c');
        long n = e.length();
        boolean wide = e.dataType() == DataType.DOUBLE || e.dataType() == DataType.LONG;
        for (long i = 0; i < n; i++) {
            long eb = bits(e, i, wide);
            long ab = bits(a, i, wide);
            if (eb != ab) {
                fail(what + ": element " + i + " differs: expected " + e.getDouble(i) + " (bits " + Long.toHexString(eb)
                        + "), got " + a.getDouble(i) + " (bits " + Long.toHexString(ab) + ")");
            }
        }
    }

    private static long bits(INDArray x, long i, boolean wide) {
        if (x.dataType() == DataType.LONG) {
            return x.getLong(i);
        }
        if (x.dataType() == DataType.INT) {
            return x.getInt((int) i);
        }
        return wide ? Double.doubleToRawLongBits(x.getDouble(i)) : Float.floatToRawIntBits(x.getFloat(i));
    }
}
