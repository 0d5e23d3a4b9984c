package dev.lethe.engine.kernel;

import java.util.Arrays;

/** Shape arithmetic: broadcasting (NumPy rules), axis normalisation, element counts, contiguous strides. */
public final class Shapes {
    private Shapes() {
    }

    public static long numel(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }

    /** Row-major strides of a contiguous array of this shape. */
    public static long[] contiguousStrides(long[] shape) {
        long[] st = new long[shape.length];
        long s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            st[i] = s;
            s *= shape[i];
        }
        return st;
    }

    /** The NumPy broadcast of two shapes; throws with both shapes in the message when they do not broadcast. */
    public static long[] broadcast(long[] a, long[] b) {
        int r = Math.max(a.length, b.length);
        long[] out = new long[r];
        for (int i = 0; i < r; i++) {
            long da = i < r - a.length ? 1 : a[i - (r - a.length)];
            long db = i < r - b.length ? 1 : b[i - (r - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
                        + " do not broadcast");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /**
     * The strides with which an array of {@code shape}/{@code strides} is read when broadcast to {@code outShape}:
     * leading missing axes and size-1 axes get stride 0.
     */
    public static long[] broadcastStrides(long[] shape, long[] strides, long[] outShape) {
        int r = outShape.length;
        long[] st = new long[r];
        int off = r - shape.length;
        for (int i = 0; i < shape.length; i++) {
            st[i + off] = shape[i] == 1 ? 0 : strides[i];
        }
        return st;
    }

    /** Axis in [0, rank) from a possibly negative axis. */
    public static int axis(int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new IllegalArgumentException("axis " + axis + " out of range for rank " + rank);
        }
        return a;
    }
}
