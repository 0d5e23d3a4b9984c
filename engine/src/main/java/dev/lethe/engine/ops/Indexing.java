package dev.lethe.engine.ops;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.engine.kernel.Shapes;
import dev.lethe.engine.kernel.StridedLoop;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Index-driven ops: embedding lookup and last-axis gather (both with scatter-add gradients, so repeated indices
 * accumulate), masked fill and where. Indices are Java int arrays (token ids, labels), checked against their axis with
 * an exception naming the offending index. Masks and conditions are constants (no gradient); any nonzero value means
 * true, and masks of a non-float dtype are cast once. Inputs may have any strides; outputs are contiguous.
 */
public final class Indexing {
    private Indexing() {
    }

    /**
     * Rows of {@code weight} [V, D] picked by {@code ids}, laid out as {@code idsShape} (default [ids.length]):
     * output [..idsShape, D]. E.g. ids of shape [B, T] -> [B, T, D]. The gradient of a row is the sum over every
     * position that picked it.
     */
    public static Tensor embedding(Tape tape, Tensor weight, int[] ids, long... idsShape) {
        INDArray wv = weight.value();
        if (wv.rank() != 2) {
            throw new IllegalArgumentException("embedding: weight must be [V, D], got " + Arrays.toString(wv.shape()));
        }
        long[] iShape = idsShape.length == 0 ? new long[] {ids.length} : idsShape;
        if (Shapes.numel(iShape) != ids.length) {
            throw new IllegalArgumentException("embedding: " + ids.length + " ids do not fill shape "
                    + Arrays.toString(iShape));
        }
        long vocab = wv.size(0);
        long dim = wv.size(1);
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocab) {
                throw new IndexOutOfBoundsException("embedding: id " + ids[i] + " at position " + i
                        + " is out of range for vocabulary size V=" + vocab);
            }
        }
        long[] outShape = Arrays.copyOf(iShape, iShape.length + 1);
        outShape[iShape.length] = dim;
        INDArray out = tape.allocate(weight.dtype(), outShape);
        Buf pw = Buf.of(wv);
        Buf po = Buf.of(out);
        int ws0 = (int) wv.stride(0);
        int ws1 = (int) wv.stride(1);
        int d = (int) dim;
        for (int i = 0; i < ids.length; i++) {
            int src = ids[i] * ws0;
            int dst = i * d;
            for (int j = 0; j < d; j++) {
                po.set(dst + j, pw.get(src + j * ws1));
            }
        }
        return tape.record(out, g -> {
            INDArray gw = tape.gradFor(weight);
            INDArray gd = Views.dense(tape, g);
            Buf pg = Buf.of(gd);
            Buf pgw = Buf.of(gw);
            int gs0 = (int) gw.stride(0);
            int gs1 = (int) gw.stride(1);
            for (int i = 0; i < ids.length; i++) {
                int dst = ids[i] * gs0;
                int src = i * d;
                for (int j = 0; j < d; j++) {
                    pgw.add(dst + j * gs1, pg.get(src + j));
                }
            }
        }, weight);
    }

    /**
     * One entry per row along the last axis: x [..., N] and index (one per row, row-major over x's leading axes)
     * -> out [...], out[r] = x[r, index[r]]. A rank-1 x [N] gives shape [1]. E.g. log-probabilities [B, T, V] and
     * target ids -> [B, T]. The gradient scatters back to the picked entries.
     */
    public static Tensor gatherLast(Tape tape, Tensor x, int[] index) {
        INDArray xv = x.value();
        int rank = xv.rank();
        long[] shape = xv.shape();
        long n = shape[rank - 1];
        long[] outShape = rank == 1 ? new long[] {1} : Arrays.copyOf(shape, rank - 1);
        long rows = Shapes.numel(outShape);
        if (index.length != rows) {
            throw new IllegalArgumentException("gatherLast: " + index.length + " indices for " + rows
                    + " rows of shape " + Arrays.toString(shape));
        }
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= n) {
                throw new IndexOutOfBoundsException("gatherLast: index " + index[i] + " at row " + i
                        + " is out of range for last-axis size " + n);
            }
        }
        INDArray out = tape.allocate(x.dtype(), outShape);
        Buf px = Buf.of(xv);
        Buf po = Buf.of(out);
        int xs = (int) xv.stride(rank - 1);
        StridedLoop it = StridedLoop.rows(shape, xv.stride());
        int r = 0;
        while (it.next()) {
            po.set(r, px.get(it.offset(0) + index[r] * xs));
            r++;
        }
        return tape.record(out, g -> {
            INDArray gx = tape.gradFor(x);
            INDArray gd = Views.dense(tape, g);
            Buf pg = Buf.of(gd);
            Buf pgx = Buf.of(gx);
            int gs = (int) gx.stride(rank - 1);
            StridedLoop j = StridedLoop.rows(shape, gx.stride());
            int row = 0;
            while (j.next()) {
                pgx.add(j.offset(0) + index[row] * gs, pg.get(row));
                row++;
            }
        }, x);
    }

    /**
     * x with {@code value} wherever {@code mask} is nonzero; shapes broadcast (output = broadcast of x and mask).
     * E.g. attention scores [B, H, T, T] with a causal mask [T, T] and value -inf. No gradient flows where filled.
     */
    public static Tensor maskedFill(Tape tape, Tensor x, Tensor mask, double value) {
        INDArray xv = x.value();
        INDArray mv = floatView(mask.value());
        long[] shape = Shapes.broadcast(xv.shape(), mv.shape());
        long[] sx = Shapes.broadcastStrides(xv.shape(), xv.stride(), shape);
        long[] sm = Shapes.broadcastStrides(mv.shape(), mv.stride(), shape);
        INDArray out = tape.allocate(x.dtype(), shape);
        Buf px = Buf.of(xv);
        Buf pm = Buf.of(mv);
        Buf po = Buf.of(out);
        StridedLoop it = new StridedLoop(shape, sx, sm, out.stride());
        while (it.next()) {
            po.set(it.offset(2), pm.get(it.offset(1)) != 0 ? value : px.get(it.offset(0)));
        }
        return tape.record(out, g -> {
            INDArray gx = tape.gradFor(x);
            Buf pg = Buf.of(g);
            Buf pgx = Buf.of(gx);
            StridedLoop j = new StridedLoop(shape, g.stride(), sm,
                    Shapes.broadcastStrides(gx.shape(), gx.stride(), shape));
            while (j.next()) {
                if (pm.get(j.offset(1)) == 0) {
                    pgx.add(j.offset(2), pg.get(j.offset(0)));
                }
            }
        }, x);
    }

    /**
     * Elementwise choice: {@code a} where {@code cond} is nonzero, else {@code b}; all three broadcast together.
     * Gradients go to a where cond holds and to b elsewhere (summed over broadcast axes).
     */
    public static Tensor where(Tape tape, Tensor cond, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException("where: dtypes differ (" + a.dtype() + " vs " + b.dtype() + ")");
        }
        INDArray cv = floatView(cond.value());
        INDArray av = a.value();
        INDArray bv = b.value();
        long[] shape = Shapes.broadcast(Shapes.broadcast(cv.shape(), av.shape()), bv.shape());
        long[] sc = Shapes.broadcastStrides(cv.shape(), cv.stride(), shape);
        long[] sa = Shapes.broadcastStrides(av.shape(), av.stride(), shape);
        long[] sb = Shapes.broadcastStrides(bv.shape(), bv.stride(), shape);
        INDArray out = tape.allocate(a.dtype(), shape);
        Buf pc = Buf.of(cv);
        Buf pa = Buf.of(av);
        Buf pb = Buf.of(bv);
        Buf po = Buf.of(out);
        StridedLoop it = new StridedLoop(shape, sc, sa, sb, out.stride());
        while (it.next()) {
            po.set(it.offset(3), pc.get(it.offset(0)) != 0 ? pa.get(it.offset(1)) : pb.get(it.offset(2)));
        }
        return tape.record(out, g -> {
            Buf pg = Buf.of(g);
            for (int side = 0; side < 2; side++) {
                Tensor t = side == 0 ? a : b;
                if (!t.requiresGrad()) {
                    continue;
                }
                boolean want = side == 0;
                INDArray gt = tape.gradFor(t);
                Buf pgt = Buf.of(gt);
                StridedLoop j = new StridedLoop(shape, g.stride(), sc,
                        Shapes.broadcastStrides(gt.shape(), gt.stride(), shape));
                while (j.next()) {
                    if ((pc.get(j.offset(1)) != 0) == want) {
                        pgt.add(j.offset(2), pg.get(j.offset(0)));
                    }
                }
            }
        }, a, b);
    }

    /** The mask itself when float32/float64, else a float32 copy (nonzero stays nonzero). */
    private static INDArray floatView(INDArray m) {
        DataType dt = m.dataType();
        if (dt == DataType.FLOAT || dt == DataType.DOUBLE) {
            return m;
        }
        return m.castTo(DataType.FLOAT);
    }
}
