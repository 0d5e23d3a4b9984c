package dev.lethe.engine.ops;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.engine.kernel.Loops;
import dev.lethe.engine.kernel.Shapes;
import dev.lethe.engine.kernel.StridedLoop;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reductions over axes: sum and mean over any set of axes, max over one axis with the argmax gradient (the whole
 * gradient goes to the first index attaining the maximum, as {@code torch.max(x, dim)}), and argmax. Inputs may have
 * any strides; outputs are contiguous tape buffers. Reducing every axis without {@code keepDims} yields shape [1]
 * (never a rank-0 array: ND4J's rank-0 handling is uneven), so a loss is always a one-element rank-1 tensor.
 * Negative axes count from the end.
 */
public final class Reductions {
    private Reductions() {
    }

    /**
     * Sum over {@code axes} (none = all axes). With {@code keepDims} the reduced axes stay with size 1; without it they
     * are dropped, and dropping all of them gives shape [1]. E.g. x [B, T, D], axes (-1) -> [B, T].
     */
    public static Tensor sum(Tape tape, Tensor x, boolean keepDims, int... axes) {
        return reduceLinear(tape, x, keepDims, axes, false);
    }

    /** Mean over {@code axes} (none = all axes); shapes as {@link #sum}. */
    public static Tensor mean(Tape tape, Tensor x, boolean keepDims, int... axes) {
        return reduceLinear(tape, x, keepDims, axes, true);
    }

    /** Sum of all elements as a one-element tensor of shape [1]. */
    public static Tensor sumAll(Tape tape, Tensor x) {
        return sum(tape, x, false);
    }

    /** Mean of all elements as a one-element tensor of shape [1]. */
    public static Tensor meanAll(Tape tape, Tensor x) {
        return mean(tape, x, false);
    }

    private static Tensor reduceLinear(Tape tape, Tensor x, boolean keepDims, int[] axes, boolean mean) {
        INDArray xv = x.value();
        long[] shape = xv.shape();
        boolean[] reduced = reducedAxes(shape.length, axes);
        long[] keepShape = keepShape(shape, reduced);
        long[] outShape = keepDims ? keepShape : dropShape(shape, reduced);
        long count = Shapes.numel(shape) / Math.max(Shapes.numel(keepShape), 1);
        double alpha = mean ? 1.0 / count : 1.0;
        // out viewed as [kept sizes, 1 at reduced axes]; accumulate broadcasts it against x and sums x into it.
        INDArray out = tape.zeros(x.dtype(), outShape);
        INDArray outKeep = Views.reshape(out, keepShape);
        Loops.accumulate(outKeep, xv, alpha);
        return tape.record(out, g -> {
            INDArray gKeep = Views.reshape(Views.dense(tape, g), keepShape);
            INDArray gx = tape.gradFor(x);
            Buf pg = Buf.of(gKeep);
            Buf pgx = Buf.of(gx);
            StridedLoop it = new StridedLoop(shape, gx.stride(),
                    Shapes.broadcastStrides(keepShape, gKeep.stride(), shape));
            while (it.next()) {
                pgx.add(it.offset(0), alpha * pg.get(it.offset(1)));
            }
        }, x);
    }

    /**
     * Maximum along {@code axis}: [.., N, ..] -> [.., ..] (or [.., 1, ..] with {@code keepDims}). The gradient flows
     * only to the first index attaining the maximum (ties go to the lowest index); a NaN counts as the maximum.
     */
    public static Tensor max(Tape tape, Tensor x, int axis, boolean keepDims) {
        INDArray xv = x.value();
        long[] shape = xv.shape();
        int ax = Shapes.axis(axis, shape.length);
        boolean[] reduced = new boolean[shape.length];
        reduced[ax] = true;
        long[] keepShape = keepShape(shape, reduced);
        long[] outShape = keepDims ? keepShape : dropShape(shape, reduced);
        if (shape[ax] == 0) {
            throw new IllegalArgumentException("max over an empty axis " + axis + " of shape "
                    + Arrays.toString(shape));
        }
        INDArray out = tape.allocate(x.dtype(), outShape);
        INDArray outKeep = Views.reshape(out, keepShape);
        int[] arg = new int[(int) Shapes.numel(keepShape)];
        long n = shape[ax];
        int step = (int) xv.stride()[ax];
        Buf px = Buf.of(xv);
        Buf po = Buf.of(outKeep);
        StridedLoop it = new StridedLoop(keepShape, xv.stride(), outKeep.stride());
        int row = 0;
        while (it.next()) {
            int base = it.offset(0);
            double best = px.get(base);
            int bestI = 0;
            for (int i = 1; i < n && !Double.isNaN(best); i++) {
                double v = px.get(base + i * step);
                if (v > best || Double.isNaN(v)) {
                    best = v;
                    bestI = i;
                }
            }
            po.set(it.offset(1), best);
            arg[row] = bestI;
            row++;
        }
        return tape.record(out, g -> {
            INDArray gKeep = Views.reshape(Views.dense(tape, g), keepShape);
            INDArray gx = tape.gradFor(x);
            Buf pg = Buf.of(gKeep);
            Buf pgx = Buf.of(gx);
            int gStep = (int) gx.stride()[ax];
            StridedLoop j = new StridedLoop(keepShape, gx.stride(), gKeep.stride());
            int r = 0;
            while (j.next()) {
                pgx.add(j.offset(0) + arg[r] * gStep, pg.get(j.offset(1)));
                r++;
            }
        }, x);
    }

    /**
     * Index of the first maximum along {@code axis}, as a flat int array in row-major order of the reduced shape
     * (x's shape without {@code axis}); e.g. x [B, T, V], axis -1 -> B*T indices, usable as
     * {@link Indexing#gatherLast}'s index. No gradient.
     */
    public static int[] argmax(Tensor x, int axis) {
        INDArray xv = x.value();
        long[] shape = xv.shape();
        int ax = Shapes.axis(axis, shape.length);
        if (shape[ax] == 0) {
            throw new IllegalArgumentException("argmax over an empty axis " + axis + " of shape "
                    + Arrays.toString(shape));
        }
        boolean[] reduced = new boolean[shape.length];
        reduced[ax] = true;
        long[] keepShape = keepShape(shape, reduced);
        int[] arg = new int[(int) Shapes.numel(keepShape)];
        long n = shape[ax];
        int step = (int) xv.stride()[ax];
        Buf px = Buf.of(xv);
        StridedLoop it = new StridedLoop(keepShape, xv.stride());
        int row = 0;
        while (it.next()) {
            int base = it.offset(0);
            double best = px.get(base);
            int bestI = 0;
            for (int i = 1; i < n && !Double.isNaN(best); i++) {
                double v = px.get(base + i * step);
                if (v > best || Double.isNaN(v)) {
                    best = v;
                    bestI = i;
                }
            }
            arg[row++] = bestI;
        }
        return arg;
    }

    /** Which axes are reduced: all of them for an empty list; duplicates are an error. */
    static boolean[] reducedAxes(int rank, int[] axes) {
        boolean[] r = new boolean[rank];
        if (axes == null || axes.length == 0) {
            Arrays.fill(r, true);
            return r;
        }
        for (int a : axes) {
            int ax = Shapes.axis(a, rank);
            if (r[ax]) {
                throw new IllegalArgumentException("axis " + a + " given twice in " + Arrays.toString(axes));
            }
            r[ax] = true;
        }
        return r;
    }

    /** The input shape with reduced axes set to 1. */
    static long[] keepShape(long[] shape, boolean[] reduced) {
        long[] k = shape.clone();
        for (int i = 0; i < k.length; i++) {
            if (reduced[i]) {
                k[i] = 1;
            }
        }
        return k;
    }

    /** The input shape without reduced axes; [1] when nothing is left. */
    static long[] dropShape(long[] shape, boolean[] reduced) {
        int kept = 0;
        for (boolean b : reduced) {
            if (!b) {
                kept++;
            }
        }
        if (kept == 0) {
            return new long[] {1};
        }
        long[] d = new long[kept];
        int j = 0;
        for (int i = 0; i < shape.length; i++) {
            if (!reduced[i]) {
                d[j++] = shape[i];
            }
        }
        return d;
    }
}
