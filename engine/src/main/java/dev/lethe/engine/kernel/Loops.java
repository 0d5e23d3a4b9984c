package dev.lethe.engine.kernel;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Strided copy, accumulate and fill loops over ND4J arrays of any layout (views, transposes, broadcasts). */
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

    /** dst[i] = src[i] for arrays of equal shape and any strides. */
    public static void copy(INDArray src, INDArray dst) {
        Buf s = Buf.of(src);
        Buf d = Buf.of(dst);
        StridedLoop it = new StridedLoop(dst.shape(), src.stride(), dst.stride());
        while (it.next()) {
            d.set(it.offset(1), s.get(it.offset(0)));
        }
    }

    /**
     * dst += alpha * src, summing src over the axes along which dst's shape was broadcast to src's shape (the
     * gradient of a broadcast input). With equal shapes this is a plain strided axpy.
     */
    public static void accumulate(INDArray dst, INDArray src, double alpha) {
        long[] outShape = src.shape();
        long[] dstStrides = Shapes.broadcastStrides(dst.shape(), dst.stride(), outShape);
        Buf s = Buf.of(src);
        Buf d = Buf.of(dst);
        StridedLoop it = new StridedLoop(outShape, src.stride(), dstStrides);
        if (alpha == 1.0) {
            while (it.next()) {
                d.add(it.offset(1), s.get(it.offset(0)));
            }
        } else {
            while (it.next()) {
                d.add(it.offset(1), alpha * s.get(it.offset(0)));
            }
        }
    }

    /** dst[i] = value for every element. */
    public static void fill(INDArray dst, double value) {
        Buf d = Buf.of(dst);
        StridedLoop it = new StridedLoop(dst.shape(), dst.stride());
        while (it.next()) {
            d.set(it.offset(0), value);
        }
    }
}
