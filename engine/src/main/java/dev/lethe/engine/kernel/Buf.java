package dev.lethe.engine.kernel;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Direct element access to an ND4J array's off-heap memory for Java kernels, with index 0 at the array's first
 * element and the array's own strides applying. Float32 and float64 arrays are supported; values are read and written
 * as doubles. One JNI-free view per array avoids ND4J's 10-80 us per-op overhead on the engine's hot paths.
 */
public final class Buf {
    private final FloatBuffer f;
    private final DoubleBuffer d;

    private Buf(FloatBuffer f, DoubleBuffer d) {
        this.f = f;
        this.d = d;
    }

    /** A view of {@code a}'s memory; index 0 is a's first element, offsets follow {@code a.stride()}. */
    public static Buf of(INDArray a) {
        DataType dt = a.dataType();
        if (dt != DataType.FLOAT && dt != DataType.DOUBLE) {
            throw new IllegalArgumentException("engine kernels need FLOAT or DOUBLE arrays, got " + dt);
        }
        long span = 1;
        long[] shape = a.shape();
        long[] stride = a.stride();
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 0) {
                span = 0;
                break;
            }
            if (stride[i] < 0) {
                throw new IllegalArgumentException("negative strides are not supported");
            }
            span += (shape[i] - 1) * stride[i];
        }
        if (span > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("array spans more than 2^31 elements; split it");
        }
        DataBuffer db = a.data();
        Pointer p = db.addressPointer();
        long first = a.offset() - db.offset();
        // JavaCPP 1.5.7's asBuffer() ignores position(), so move the address itself to the first element
        if (dt == DataType.FLOAT) {
            FloatPointer fp = new FloatPointer(p).getPointer(first);
            fp.capacity(Math.max(span, 1));
            return new Buf(fp.asBuffer(), null);
        }
        DoublePointer dp = new DoublePointer(p).getPointer(first);
        dp.capacity(Math.max(span, 1));
        return new Buf(null, dp.asBuffer());
    }

    public boolean isFloat() {
        return f != null;
    }

    /** The float view (only for float32 arrays). */
    public FloatBuffer floats() {
        return f;
    }

    /** The double view (only for float64 arrays). */
    public DoubleBuffer doubles() {
        return d;
    }

    public double get(int i) {
        return f != null ? f.get(i) : d.get(i);
    }

    public void set(int i, double v) {
        if (f != null) {
            f.put(i, (float) v);
        } else {
            d.put(i, v);
        }
    }

    public void add(int i, double v) {
        if (f != null) {
            f.put(i, f.get(i) + (float) v);
        } else {
            d.put(i, d.get(i) + v);
        }
    }

    /** Copies {@code len} consecutive elements from this view at {@code from} to {@code dst} at {@code to}. */
    public void copyTo(int from, Buf dst, int to, int len) {
        if (f != null && dst.f != null) {
            dst.f.put(to, f, from, len);
        } else if (d != null && dst.d != null) {
            dst.d.put(to, d, from, len);
        } else {
            for (int i = 0; i < len; i++) {
                dst.set(to + i, get(from + i));
            }
        }
    }

    /** v rounded to this buffer's element type (float32 or float64): what {@link #set} would store. */
    public double round(double v) {
        return f != null ? (float) v : v;
    }

    /**
     * Reads n elements from base, base + stride, ... into dst (as doubles); a dense float32 row goes through
     * {@code scratch} (at least n long) by one bulk copy, as per-element reads of a direct buffer cost several times
     * more.
     */
    public void getRow(int base, int stride, double[] dst, int n, float[] scratch) {
        if (f != null && stride == 1) {
            float[] row = scratch;
            f.get(base, row, 0, n);
            for (int j = 0; j < n; j++) {
                dst[j] = row[j];
            }
        } else if (f != null) {
            for (int j = 0, i = base; j < n; j++, i += stride) {
                dst[j] = f.get(i);
            }
        } else if (stride == 1) {
            d.get(base, dst, 0, n);
        } else {
            for (int j = 0, i = base; j < n; j++, i += stride) {
                dst[j] = d.get(i);
            }
        }
    }

    /** Writes src[0..n) to base, base + stride, ..., rounded to this buffer's element type ({@code scratch} as above). */
    public void putRow(int base, int stride, double[] src, int n, float[] scratch) {
        if (f != null && stride == 1) {
            float[] row = scratch;
            for (int j = 0; j < n; j++) {
                row[j] = (float) src[j];
            }
            f.put(base, row, 0, n);
        } else if (f != null) {
            for (int j = 0, i = base; j < n; j++, i += stride) {
                f.put(i, (float) src[j]);
            }
        } else if (stride == 1) {
            d.put(base, src, 0, n);
        } else {
            for (int j = 0, i = base; j < n; j++, i += stride) {
                d.put(i, src[j]);
            }
        }
    }
}
