package dev.lethe.engine.ops;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.engine.kernel.StridedLoop;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Softmax, log-softmax and the fused log-softmax + gather that yields per-token log-probabilities (the common currency
 * of every loss and metric, design.md). All work on the last axis, one row at a time in double precision, without
 * materialising intermediate arrays; inputs may be strided views (for example logits[:, :-1, :]).
 */
public final class Softmax {
    private Softmax() {
    }

    /** softmax over the last axis. */
    public static Tensor softmax(Tape tape, Tensor x) {
        return rowwise(tape, x, false);
    }

    /** log-softmax over the last axis. */
    public static Tensor logSoftmax(Tape tape, Tensor x) {
        return rowwise(tape, x, true);
    }

    private static Tensor rowwise(Tape tape, Tensor x, boolean log) {
        INDArray xv = x.value();
        long[] shape = xv.shape();
        int r = shape.length;
        int n = (int) shape[r - 1];
        int sx = (int) xv.stride(r - 1);
        INDArray out = tape.allocate(x.dtype(), shape);
        Buf px = Buf.of(xv);
        Buf po = Buf.of(out);
        StridedLoop rows = StridedLoop.rows(shape, xv.stride(), out.stride());
        while (rows.next()) {
            int bx = rows.offset(0);
            int bo = rows.offset(1);
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                max = Math.max(max, px.get(bx + j * sx));
            }
            double sum = 0;
            for (int j = 0; j < n; j++) {
                sum += Math.exp(px.get(bx + j * sx) - max);
            }
            double lse = max + Math.log(sum);
            for (int j = 0; j < n; j++) {
                double v = px.get(bx + j * sx) - lse;
                po.set(bo + j, log ? v : Math.exp(v));
            }
        }
        return tape.record(out, g -> {
            INDArray gx = tape.gradFor(x);
            Buf pg = Buf.of(g);
            Buf pgx = Buf.of(gx);
            int sg = (int) g.stride(r - 1);
            StridedLoop it = StridedLoop.rows(shape, g.stride(), out.stride(), gx.stride());
            while (it.next()) {
                int bg = it.offset(0);
                int bo = it.offset(1);
                int bgx = it.offset(2);
                if (log) {
                    // d logsoftmax: g - softmax * sum(g)
                    double gs = 0;
                    for (int j = 0; j < n; j++) {
                        gs += pg.get(bg + j * sg);
                    }
                    for (int j = 0; j < n; j++) {
                        pgx.add(bgx + j, pg.get(bg + j * sg) - Math.exp(po.get(bo + j)) * gs);
                    }
                } else {
                    // d softmax: y * (g - sum(g * y))
                    double dot = 0;
                    for (int j = 0; j < n; j++) {
                        dot += pg.get(bg + j * sg) * po.get(bo + j);
                    }
                    for (int j = 0; j < n; j++) {
                        double y = po.get(bo + j);
                        pgx.add(bgx + j, y * (pg.get(bg + j * sg) - dot));
                    }
                }
            }
        }, x);
    }

    /**
     * Per-token log-probabilities log softmax(logits)[target] for every row of {@code logits} [..., V], with
     * {@code targets} and {@code mask} given per row in row-major order of the leading axes. Rows whose mask is 0
     * yield 0 and get no gradient (their target may be anything, e.g. -100). {@code mask} may be null (all rows count).
     * Output shape: the leading axes of logits. Fused: no [.., V] intermediate is stored; the backward rule recomputes
     * the softmax of each row from the saved log-sum-exp.
     */
    public static Tensor tokenLogProbs(Tape tape, Tensor logits, int[] targets, int[] mask) {
        INDArray lv = logits.value();
        long[] shape = lv.shape();
        int r = shape.length;
        int v = (int) shape[r - 1];
        int sv = (int) lv.stride(r - 1);
        long[] outShape = java.util.Arrays.copyOf(shape, r - 1);
        int rowsN = (int) (lv.length() / v);
        if (targets.length != rowsN || (mask != null && mask.length != rowsN)) {
            throw new IllegalArgumentException("tokenLogProbs: " + rowsN + " rows but " + targets.length + " targets"
                    + (mask == null ? "" : " and " + mask.length + " mask entries"));
        }
        INDArray out = tape.allocate(logits.dtype(), outShape);
        Buf pl = Buf.of(lv);
        Buf po = Buf.of(out);
        double[] lse = new double[rowsN];
        StridedLoop rows = StridedLoop.rows(shape, lv.stride());
        int row = 0;
        while (rows.next()) {
            if (mask != null && mask[row] == 0) {
                po.set(row++, 0.0);
                continue;
            }
            int t = targets[row];
            if (t < 0 || t >= v) {
                throw new IllegalArgumentException("tokenLogProbs: target id " + t + " at row " + row
                        + " is outside the vocabulary [0, " + v + ") and the row is not masked");
            }
            int b = rows.offset(0);
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < v; j++) {
                max = Math.max(max, pl.get(b + j * sv));
            }
            double sum = 0;
            for (int j = 0; j < v; j++) {
                sum += Math.exp(pl.get(b + j * sv) - max);
            }
            lse[row] = max + Math.log(sum);
            po.set(row, pl.get(b + t * sv) - lse[row]);
            row++;
        }
        return tape.record(out, g -> {
            INDArray gl = tape.gradFor(logits);
            Buf pg = Buf.of(g);
            Buf pgl = Buf.of(gl);
            StridedLoop it = StridedLoop.rows(shape, lv.stride(), gl.stride());
            StridedLoop gi = new StridedLoop(outShape, g.stride());
            int k = 0;
            while (it.next() && gi.next()) {
                if (mask != null && mask[k] == 0) {
                    k++;
                    continue;
                }
                double gk = pg.get(gi.offset(0));
                int b = it.offset(0);
                int bg = it.offset(1);
                for (int j = 0; j < v; j++) {
                    pgl.add(bg + j, -gk * Math.exp(pl.get(b + j * sv) - lse[k]));
                }
                pgl.add(bg + targets[k], gk);
                k++;
            }
        }, logits);
    }
}
