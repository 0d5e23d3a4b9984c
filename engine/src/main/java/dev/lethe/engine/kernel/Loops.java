package dev.lethe.engine.kernel;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Copy, accumulate and fill loops over ND4J arrays of any layout (views, transposes, broadcasts). Axes are merged
 * where the layout allows ({@link Walk}), so contiguous arrays run as one tight loop and views as one loop per
 * contiguous run; loops whose outputs are disjoint are split across {@link Par}'s two threads.
 */
public final class Loops {
    private Loops() {
    }

    /** True when the array is row-major contiguous (possibly with an offset). */
    public static boolean isContiguous(INDArray a) {
        long[] shape = a.shape();
        long[] stride = a.stride();
        long expect = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expect) {
                return false;
            }
            expect *= shape[i];
        }
        return true;
    }

    /** True when some axis of size > 1 has stride 0 (several elements share one location). */
    public static boolean hasBroadcast(long[] shape, long[] strides) {
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] > 1 && strides[i] == 0) {
                return true;
            }
        }
        return false;
    }

    /** dst[i] = src[i] for arrays of equal shape and any strides. */
    public static void copy(INDArray src, INDArray dst) {
        Buf s = Buf.of(src);
        Buf d = Buf.of(dst);
        if (s.isFloat() != d.isFloat()) {
            StridedLoop it = new StridedLoop(dst.shape(), src.stride(), dst.stride());
            while (it.next()) {
                d.set(it.offset(1), s.get(it.offset(0)));
            }
            return;
        }
        Walk w = Walk.of(dst.shape(), src.stride(), dst.stride());
        boolean par = !hasBroadcast(dst.shape(), dst.stride());
        if (s.isFloat()) {
            FloatBuffer a = s.floats();
            FloatBuffer o = d.floats();
            w.run(par, (off, st, len) -> {
                if (st[0] == 1 && st[1] == 1) {
                    o.put(off[1], a, off[0], len);
                    return;
                }
                for (int j = 0, ia = off[0], io = off[1]; j < len; j++, ia += st[0], io += st[1]) {
                    o.put(io, a.get(ia));
                }
            });
        } else {
            DoubleBuffer a = s.doubles();
            DoubleBuffer o = d.doubles();
            w.run(par, (off, st, len) -> {
                if (st[0] == 1 && st[1] == 1) {
                    o.put(off[1], a, off[0], len);
                    return;
                }
                for (int j = 0, ia = off[0], io = off[1]; j < len; j++, ia += st[0], io += st[1]) {
                    o.put(io, a.get(ia));
                }
            });
        }
    }

    /**
     * dst += alpha * src, summing src over the axes along which dst's shape was broadcast to src's shape (the
     * gradient of a broadcast input). With equal shapes this is a plain strided axpy. Each dst element receives its
     * terms in row-major order of src, as a plain loop would add them.
     */
    public static void accumulate(INDArray dst, INDArray src, double alpha) {
        long[] outShape = src.shape();
        long[] dstStrides = Shapes.broadcastStrides(dst.shape(), dst.stride(), outShape);
        Buf s = Buf.of(src);
        Buf d = Buf.of(dst);
        if (s.isFloat() != d.isFloat()) {
            StridedLoop it = new StridedLoop(outShape, src.stride(), dstStrides);
            while (it.next()) {
                d.add(it.offset(1), alpha * s.get(it.offset(0)));
            }
            return;
        }
        Walk w = Walk.of(outShape, src.stride(), dstStrides);
        boolean par = !hasBroadcast(outShape, dstStrides);
        if (s.isFloat()) {
            FloatBuffer a = s.floats();
            FloatBuffer o = d.floats();
            if (alpha == 1.0) {
                w.run(par, (off, st, len) -> {
                    for (int j = 0, ia = off[0], io = off[1]; j < len; j++, ia += st[0], io += st[1]) {
                        o.put(io, o.get(io) + a.get(ia));
                    }
                });
            } else {
                w.run(par, (off, st, len) -> {
                    for (int j = 0, ia = off[0], io = off[1]; j < len; j++, ia += st[0], io += st[1]) {
                        o.put(io, o.get(io) + (float) (alpha * a.get(ia)));
                    }
                });
            }
        } else {
            DoubleBuffer a = s.doubles();
            DoubleBuffer o = d.doubles();
            if (alpha == 1.0) {
                w.run(par, (off, st, len) -> {
                    for (int j = 0, ia = off[0], io = off[1]; j < len; j++, ia += st[0], io += st[1]) {
                        o.put(io, o.get(io) + a.get(ia));
                    }
                });
            } else {
                w.run(par, (off, st, len) -> {
                    for (int j = 0, ia = off[0], io = off[1]; j < len; j++, ia += st[0], io += st[1]) {
                        o.put(io, o.get(io) + alpha * a.get(ia));
                    }
                });
            }
        }
    }

    /** dst[i] = value for every element. */
    public static void fill(INDArray dst, double value) {
        Buf d = Buf.of(dst);
        Walk w = Walk.of(dst.shape(), dst.stride());
        boolean par = !hasBroadcast(dst.shape(), dst.stride());
        if (d.isFloat()) {
            FloatBuffer o = d.floats();
            float v = (float) value;
            w.run(par, (off, st, len) -> {
                for (int j = 0, io = off[0]; j < len; j++, io += st[0]) {
                    o.put(io, v);
                }
            });
        } else {
            DoubleBuffer o = d.doubles();
            w.run(par, (off, st, len) -> {
                for (int j = 0, io = off[0]; j < len; j++, io += st[0]) {
                    o.put(io, value);
                }
            });
        }
    }

    /**
     * Sets every element to 0: a contiguous float32/float64 array on the CPU backend by one native {@code memset}
     * (measured in the llama-34m sft step: ND4J's {@code assign(0)} of gradient buffers took about a fifth as long as
     * all GEMMs together), anything else by {@link #fill}.
     */
    public static void zero(INDArray dst) {
        DataType dt = dst.dataType();
        if (Blas.direct() && isContiguous(dst) && (dt == DataType.FLOAT || dt == DataType.DOUBLE)
                && dst.length() > 0) {
            long size = dt == DataType.FLOAT ? 4 : 8;
            long first = dst.offset() - dst.data().offset();
            BytePointer p = new BytePointer(dst.data().addressPointer());
            p.position(first * size);
            Pointer.memset(p, 0, dst.length() * size);
            return;
        }
        fill(dst, 0.0);
    }
}
