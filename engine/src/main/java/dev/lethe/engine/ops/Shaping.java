package dev.lethe.engine.ops;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.engine.kernel.Loops;
import dev.lethe.engine.kernel.Shapes;
import dev.lethe.engine.kernel.StridedLoop;
import dev.lethe.engine.kernel.Walk;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Shape ops: reshape, permute/transpose, slice, concat, squeeze/unsqueeze and contiguous. Permute, transpose, slice,
 * squeeze and unsqueeze are views of the input's buffer (no copy; values are never modified in place, so sharing is
 * safe); reshape is a view when the input is row-major contiguous and a copy otherwise; concat and contiguous copy
 * into tape buffers. Backward rules accumulate the output gradient into the matching elements of the input gradient.
 * Negative axes count from the end.
 */
public final class Shaping {
    private Shaping() {
    }

    /**
     * x with a new shape of the same element count, elements in row-major order; one entry may be -1 (inferred).
     * A view when x is contiguous, else a contiguous copy. E.g. [B, T, H*Dh] -> [B, T, H, Dh].
     */
    public static Tensor reshape(Tape tape, Tensor x, long... shape) {
        INDArray xv = x.value();
        long[] newShape = resolveShape(xv.shape(), shape);
        INDArray out = Views.reshape(Views.dense(tape, xv), newShape);
        return tape.record(out, g -> accumulateSameOrder(tape, x, g), x);
    }

    /**
     * Axes rearranged: output axis i is input axis {@code axes[i]} (a view). E.g. [B, T, H, Dh] with (0, 2, 1, 3)
     * gives [B, H, T, Dh].
     */
    public static Tensor permute(Tape tape, Tensor x, int... axes) {
        INDArray xv = x.value();
        int rank = xv.rank();
        if (axes.length != rank) {
            throw new IllegalArgumentException("permute: " + axes.length + " axes given for rank " + rank + " ("
                    + Arrays.toString(axes) + ")");
        }
        int[] perm = new int[rank];
        boolean[] seen = new boolean[rank];
        for (int i = 0; i < rank; i++) {
            perm[i] = Shapes.axis(axes[i], rank);
            if (seen[perm[i]]) {
                throw new IllegalArgumentException("permute: " + Arrays.toString(axes) + " is not a permutation");
            }
            seen[perm[i]] = true;
        }
        long[] shape = new long[rank];
        long[] stride = new long[rank];
        for (int i = 0; i < rank; i++) {
            shape[i] = xv.size(perm[i]);
            stride[i] = xv.stride(perm[i]);
        }
        INDArray out = strided(xv, shape, stride, 0);
        return tape.record(out, g -> {
            INDArray gx = tape.gradFor(x);
            long[] gxStride = new long[rank];
            for (int i = 0; i < rank; i++) {
                gxStride[i] = gx.stride(perm[i]);
            }
            addStrided(g, Buf.of(gx), 0, gxStride);
        }, x);
    }

    /** x with axes {@code a} and {@code b} swapped (a view). */
    public static Tensor transpose(Tape tape, Tensor x, int a, int b) {
        int rank = x.rank();
        int[] perm = new int[rank];
        for (int i = 0; i < rank; i++) {
            perm[i] = i;
        }
        int aa = Shapes.axis(a, rank);
        int bb = Shapes.axis(b, rank);
        perm[aa] = bb;
        perm[bb] = aa;
        return permute(tape, x, perm);
    }

    /** Elements {@code start} (inclusive) to {@code end} (exclusive) along {@code axis}, step 1 (a view). */
    public static Tensor slice(Tape tape, Tensor x, int axis, long start, long end) {
        INDArray xv = x.value();
        int ax = Shapes.axis(axis, xv.rank());
        long n = xv.size(ax);
        if (start < 0 || end > n || start >= end) {
            throw new IllegalArgumentException("slice [" + start + ", " + end + ") out of range for axis " + axis
                    + " of shape " + Arrays.toString(xv.shape()));
        }
        long[] shape = xv.shape().clone();
        shape[ax] = end - start;
        INDArray out = strided(xv, shape, xv.stride().clone(), start * xv.stride(ax));
        return tape.record(out, g -> {
            INDArray gx = tape.gradFor(x);
            addStrided(g, Buf.of(gx), (int) (start * gx.stride(ax)), gx.stride());
        }, x);
    }

    /**
     * The tensors joined along {@code axis}, in argument order; all must have the same dtype, rank and sizes on the
     * other axes. E.g. [B, T, 2] and [B, T, 3] along -1 -> [B, T, 5].
     */
    public static Tensor concat(Tape tape, int axis, Tensor... xs) {
        if (xs.length == 0) {
            throw new IllegalArgumentException("concat needs at least one tensor");
        }
        long[] first = xs[0].shape();
        int rank = first.length;
        int ax = Shapes.axis(axis, rank);
        long total = 0;
        long[] starts = new long[xs.length];
        for (int k = 0; k < xs.length; k++) {
            long[] s = xs[k].shape();
            boolean ok = s.length == rank && xs[k].dtype() == xs[0].dtype();
            for (int i = 0; ok && i < rank; i++) {
                ok = i == ax || s[i] == first[i];
            }
            if (!ok) {
                throw new IllegalArgumentException("concat along axis " + axis + ": " + xs[k] + " does not match "
                        + xs[0]);
            }
            starts[k] = total;
            total += s[ax];
        }
        long[] outShape = first.clone();
        outShape[ax] = total;
        INDArray out = tape.allocate(xs[0].dtype(), outShape);
        long outAxisStride = out.stride(ax);
        for (int k = 0; k < xs.length; k++) {
            INDArray xv = xs[k].value();
            long base = starts[k] * outAxisStride;
            Loops.copy(xv, strided(out, xv.shape(), out.stride(), base));
        }
        return tape.record(out, g -> {
            for (int k = 0; k < xs.length; k++) {
                if (!xs[k].requiresGrad()) {
                    continue;
                }
                INDArray gx = tape.gradFor(xs[k]);
                Loops.accumulate(gx, strided(g, gx.shape(), g.stride(), starts[k] * g.stride(ax)), 1.0);
            }
        }, xs);
    }

    /** x with a size-1 axis inserted at {@code axis} in [-(rank+1), rank] (a view): [B, T] at 1 gives [B, 1, T]. */
    public static Tensor unsqueeze(Tape tape, Tensor x, int axis) {
        INDArray xv = x.value();
        int rank = xv.rank();
        int ax = Shapes.axis(axis, rank + 1);
        long[] shape = new long[rank + 1];
        long[] stride = new long[rank + 1];
        for (int i = 0, j = 0; i <= rank; i++) {
            if (i == ax) {
                shape[i] = 1;
                stride[i] = ax < rank ? xv.size(ax) * xv.stride(ax) : 1;
            } else {
                shape[i] = xv.size(j);
                stride[i] = xv.stride(j);
                j++;
            }
        }
        INDArray out = strided(xv, shape, stride, 0);
        return tape.record(out, g -> accumulateSameOrder(tape, x, g), x);
    }

    /** x without its size-1 axis {@code axis} (a view; throws if it is not size 1): [B, 1, T] at 1 gives [B, T]. */
    public static Tensor squeeze(Tape tape, Tensor x, int axis) {
        INDArray xv = x.value();
        int rank = xv.rank();
        int ax = Shapes.axis(axis, rank);
        if (xv.size(ax) != 1) {
            throw new IllegalArgumentException("squeeze: axis " + axis + " of shape " + Arrays.toString(xv.shape())
                    + " is not of size 1");
        }
        if (rank == 1) {
            throw new IllegalArgumentException("squeeze: cannot remove the only axis (rank-0 tensors are not used)");
        }
        long[] shape = new long[rank - 1];
        long[] stride = new long[rank - 1];
        for (int i = 0, j = 0; i < rank; i++) {
            if (i != ax) {
                shape[j] = xv.size(i);
                stride[j] = xv.stride(i);
                j++;
            }
        }
        INDArray out = strided(xv, shape, stride, 0);
        return tape.record(out, g -> accumulateSameOrder(tape, x, g), x);
    }

    /** x itself when it is row-major contiguous, else a contiguous copy (with gradient). */
    public static Tensor contiguous(Tape tape, Tensor x) {
        INDArray xv = x.value();
        if (Loops.isContiguous(xv)) {
            return x;
        }
        INDArray out = Views.dense(tape, xv);
        return tape.record(out, g -> Loops.accumulate(tape.gradFor(x), g, 1.0), x);
    }

    /** A view of {@code base}'s buffer with the given shape and strides, starting {@code extraOffset} elements in. */
    static INDArray strided(INDArray base, long[] shape, long[] stride, long extraOffset) {
        return Nd4j.create(base.data(), shape, stride, base.offset() + extraOffset, Shape.getOrder(shape, stride, 1));
    }

    /** -1 resolved and the element count checked against {@code from}. */
    static long[] resolveShape(long[] from, long[] shape) {
        long n = Shapes.numel(from);
        long known = 1;
        int infer = -1;
        long[] out = shape.clone();
        for (int i = 0; i < out.length; i++) {
            if (out[i] == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException("reshape: more than one -1 in " + Arrays.toString(shape));
                }
                infer = i;
            } else if (out[i] < 0) {
                throw new IllegalArgumentException("reshape: negative size in " + Arrays.toString(shape));
            } else {
                known *= out[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || n % known != 0) {
                throw new IllegalArgumentException("reshape: cannot infer -1 in " + Arrays.toString(shape)
                        + " from shape " + Arrays.toString(from));
            }
            out[infer] = n / known;
        } else if (known != n) {
            throw new IllegalArgumentException("reshape: " + Arrays.toString(from) + " has " + n + " elements, "
                    + Arrays.toString(shape) + " has " + known);
        }
        return out;
    }

    /**
     * x's gradient += g, where g holds the same elements as x in the same row-major order under another shape (taken
     * over without a copy when x has no gradient yet: {@link Tape#addToGrad}).
     */
    private static void accumulateSameOrder(Tape tape, Tensor x, INDArray g) {
        tape.addToGrad(x, Views.reshape(Views.dense(tape, g), x.shape()));
    }

    /**
     * dst[base + sum(idx * dstStride)] += g[idx] over g's shape, one contiguous run at a time (the slice of the logits
     * in a loss is one run per batch row). Split across threads when no two elements of g share a destination.
     */
    private static void addStrided(INDArray g, Buf dst, int base, long[] dstStride) {
        Buf pg = Buf.of(g);
        long[] shape = g.shape();
        Walk w = Walk.of(shape, g.stride(), dstStride);
        boolean par = !Loops.hasBroadcast(shape, dstStride);
        if (pg.isFloat() && dst.isFloat()) {
            FloatBuffer fg = pg.floats();
            FloatBuffer fd = dst.floats();
            w.run(par, (off, st, len) -> {
                for (int j = 0, ig = off[0], io = base + off[1]; j < len; j++, ig += st[0], io += st[1]) {
                    fd.put(io, fd.get(io) + fg.get(ig));
                }
            });
        } else if (!pg.isFloat() && !dst.isFloat()) {
            DoubleBuffer dg = pg.doubles();
            DoubleBuffer dd = dst.doubles();
            w.run(par, (off, st, len) -> {
                for (int j = 0, ig = off[0], io = base + off[1]; j < len; j++, ig += st[0], io += st[1]) {
                    dd.put(io, dd.get(io) + dg.get(ig));
                }
            });
        } else {
            StridedLoop it = new StridedLoop(shape, g.stride(), dstStride);
            while (it.next()) {
                dst.add(base + it.offset(1), pg.get(it.offset(0)));
            }
        }
    }
}
