package dev.lethe.engine.ops;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.engine.kernel.Exp;
import dev.lethe.engine.kernel.Par;
import dev.lethe.engine.kernel.RowKernels;
import dev.lethe.engine.kernel.Walk;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Softmax, log-softmax and the fused log-softmax + gather that yields per-token log-probabilities (the common currency
 * of every loss and metric, design.md). All work on the last axis, one row at a time in double precision, without
 * materialising intermediate arrays; inputs may be strided views (for example logits[:, :-1, :]). Rows are independent
 * and split across {@link Par}'s threads.
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
        long[] xst = xv.stride();
        int rowsN = n == 0 ? 0 : (int) (xv.length() / n);
        Par.range(rowsN, 8L * n, (lo, hi) -> {
            for (int row = lo; row < hi; row++) {
                int bx = Walk.rowOffset(shape, xst, row);
                int bo = row * n;
                if (px.isFloat()) {
                    FloatBuffer fx = px.floats();
                    FloatBuffer fo = po.floats();
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0, ix = bx; j < n; j++, ix += sx) {
                        max = Math.max(max, fx.get(ix));
                    }
                    double sum = 0;
                    for (int j = 0, ix = bx; j < n; j++, ix += sx) {
                        sum += Math.exp(fx.get(ix) - max);
                    }
                    double lse = max + Math.log(sum);
                    for (int j = 0, ix = bx; j < n; j++, ix += sx) {
                        double v = fx.get(ix) - lse;
                        fo.put(bo + j, (float) (log ? v : Math.exp(v)));
                    }
                } else {
                    DoubleBuffer dx = px.doubles();
                    DoubleBuffer dout = po.doubles();
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0, ix = bx; j < n; j++, ix += sx) {
                        max = Math.max(max, dx.get(ix));
                    }
                    double sum = 0;
                    for (int j = 0, ix = bx; j < n; j++, ix += sx) {
                        sum += Math.exp(dx.get(ix) - max);
                    }
                    double lse = max + Math.log(sum);
                    for (int j = 0, ix = bx; j < n; j++, ix += sx) {
                        double v = dx.get(ix) - lse;
                        dout.put(bo + j, log ? v : Math.exp(v));
                    }
                }
            }
        });
        return tape.record(out, g -> {
            INDArray gx = tape.gradFor(x);
            Buf pg = Buf.of(g);
            Buf pgx = Buf.of(gx);
            int sg = (int) g.stride(r - 1);
            int sgx = (int) gx.stride(r - 1);
            long[] gst = g.stride();
            long[] gxst = gx.stride();
            Par.range(rowsN, 4L * n, (lo, hi) -> {
                for (int row = lo; row < hi; row++) {
                    int bg = Walk.rowOffset(shape, gst, row);
                    int bo = row * n;
                    int bgx = Walk.rowOffset(shape, gxst, row);
                    if (pg.isFloat()) {
                        FloatBuffer fg = pg.floats();
                        FloatBuffer fo = po.floats();
                        FloatBuffer fgx = pgx.floats();
                        if (log) {
                            // d logsoftmax: g - softmax * sum(g)
                            double gs = 0;
                            for (int j = 0, ig = bg; j < n; j++, ig += sg) {
                                gs += fg.get(ig);
                            }
                            for (int j = 0, ig = bg, ix = bgx; j < n; j++, ig += sg, ix += sgx) {
                                fgx.put(ix, fgx.get(ix) + (float) (fg.get(ig) - Math.exp(fo.get(bo + j)) * gs));
                            }
                        } else {
                            // d softmax: y * (g - sum(g * y))
                            double dot = 0;
                            for (int j = 0, ig = bg; j < n; j++, ig += sg) {
                                dot += (double) fg.get(ig) * fo.get(bo + j);
                            }
                            for (int j = 0, ig = bg, ix = bgx; j < n; j++, ig += sg, ix += sgx) {
                                double y = fo.get(bo + j);
                                fgx.put(ix, fgx.get(ix) + (float) (y * (fg.get(ig) - dot)));
                            }
                        }
                    } else {
                        DoubleBuffer dg = pg.doubles();
                        DoubleBuffer dout = po.doubles();
                        DoubleBuffer dgx = pgx.doubles();
                        if (log) {
                            double gs = 0;
                            for (int j = 0, ig = bg; j < n; j++, ig += sg) {
                                gs += dg.get(ig);
                            }
                            for (int j = 0, ig = bg, ix = bgx; j < n; j++, ig += sg, ix += sgx) {
                                dgx.put(ix, dgx.get(ix) + (dg.get(ig) - Math.exp(dout.get(bo + j)) * gs));
                            }
                        } else {
                            double dot = 0;
                            for (int j = 0, ig = bg; j < n; j++, ig += sg) {
                                dot += dg.get(ig) * dout.get(bo + j);
                            }
                            for (int j = 0, ig = bg, ix = bgx; j < n; j++, ig += sg, ix += sgx) {
                                double y = dout.get(bo + j);
                                dgx.put(ix, dgx.get(ix) + y * (dg.get(ig) - dot));
                            }
                        }
                    }
                }
            });
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
        for (int row = 0; row < rowsN; row++) {
            int t = targets[row];
            if ((mask == null || mask[row] != 0) && (t < 0 || t >= v)) {
                throw new IllegalArgumentException("tokenLogProbs: target id " + t + " at row " + row
                        + " is outside the vocabulary [0, " + v + ") and the row is not masked");
            }
        }
        INDArray out = tape.allocate(logits.dtype(), outShape);
        Buf pl = Buf.of(lv);
        Buf po = Buf.of(out);
        double[] lse = new double[rowsN];
        long[] lst = lv.stride();
        Par.range(rowsN, 4L * v, (lo, hi) -> {
            float[] x = pl.isFloat() ? new float[v] : null;
            for (int row = lo; row < hi; row++) {
                if (mask != null && mask[row] == 0) {
                    po.set(row, 0.0);
                    continue;
                }
                int b = Walk.rowOffset(shape, lst, row);
                if (x != null) {
                    stageRow(pl.floats(), b, sv, x, v);
                    lse[row] = logSumExp(x, v);
                } else {
                    DoubleBuffer dl = pl.doubles();
                    double max = Double.NEGATIVE_INFINITY;
                    double sum = 0;
                    for (int j = 0, i = b; j < v; j++, i += sv) {
                        max = Math.max(max, dl.get(i));
                    }
                    for (int j = 0, i = b; j < v; j++, i += sv) {
                        sum += Math.exp(dl.get(i) - max);
                    }
                    lse[row] = max + Math.log(sum);
                }
                po.set(row, pl.get(b + targets[row] * sv) - lse[row]);
            }
        });
        return tape.record(out, g -> {
            INDArray gl = tape.gradFor(logits);
            Buf pg = Buf.of(g);
            Buf pgl = Buf.of(gl);
            long[] gst = g.stride();
            long[] glst = gl.stride();
            int sgl = (int) gl.stride(r - 1);
            Par.range(rowsN, 2L * v, (lo, hi) -> {
                float[] x = pl.isFloat() ? new float[v] : null;
                for (int k = lo; k < hi; k++) {
                    if (mask != null && mask[k] == 0) {
                        continue;
                    }
                    double gk = pg.get(Walk.elementOffset(outShape, gst, k));
                    int b = Walk.rowOffset(shape, lst, k);
                    int bg = Walk.rowOffset(shape, glst, k);
                    double l = lse[k];
                    if (x != null) {
                        stageRow(pl.floats(), b, sv, x, v);
                        logProbGradRow(x, v, l, targets[k], gk);
                        FloatBuffer fgl = pgl.floats();
                        for (int j = 0, o = bg; j < v; j++, o += sgl) {
                            fgl.put(o, fgl.get(o) + x[j]);
                        }
                    } else {
                        DoubleBuffer dl = pl.doubles();
                        DoubleBuffer dgl = pgl.doubles();
                        for (int j = 0, i = b, o = bg; j < v; j++, i += sv, o += sgl) {
                            dgl.put(o, dgl.get(o) + (-gk * Math.exp(dl.get(i) - l)));
                        }
                        pgl.add(bg + targets[k] * sgl, gk);
                    }
                }
            });
        }, logits);
    }

    /**
     * Next-token log-probabilities straight from unshifted logits: for logits [B, T, V] and {@code targets} [B * (T-1)]
     * (row-major), out[b, t] = log softmax(logits[b, t])[targets[b * (T-1) + t]] for t < T-1, shape [B, T-1]. Equal
     * bit for bit, values and gradients, to {@code tokenLogProbs(slice(logits, 1, 0, T-1), targets, mask)}, but the
     * backward rule writes the logits' gradient directly instead of materialising and zero-filling a [B, T-1, V]
     * gradient of the slice and adding it back strided. Rows are staged in heap arrays so the loops over V run
     * without per-element bounds checks on the off-heap buffers. {@code mask} as in {@link #tokenLogProbs} (may be
     * null). Non-float32 or strided-last-axis inputs take the unfused composition.
     */
    public static Tensor shiftedTokenLogProbs(Tape tape, Tensor logits, int[] targets, int[] mask) {
        INDArray lv = logits.value();
        if (lv.rank() != 3 || lv.size(1) < 2) {
            throw new IllegalArgumentException("shiftedTokenLogProbs: logits must be [B, T >= 2, V], got "
                    + java.util.Arrays.toString(lv.shape()));
        }
        int b = (int) lv.size(0);
        int t = (int) lv.size(1);
        int v = (int) lv.size(2);
        int rowsN = b * (t - 1);
        if (targets.length != rowsN || (mask != null && mask.length != rowsN)) {
            throw new IllegalArgumentException("shiftedTokenLogProbs: " + rowsN + " rows but " + targets.length
                    + " targets" + (mask == null ? "" : " and " + mask.length + " mask entries"));
        }
        if (lv.dataType() != org.nd4j.linalg.api.buffer.DataType.FLOAT || lv.stride(2) != 1) {
            return tokenLogProbs(tape, Shaping.slice(tape, logits, 1, 0, t - 1), targets, mask);
        }
        for (int row = 0; row < rowsN; row++) {
            int tg = targets[row];
            if ((mask == null || mask[row] != 0) && (tg < 0 || tg >= v)) {
                throw new IllegalArgumentException("shiftedTokenLogProbs: target id " + tg + " at row " + row
                        + " is outside the vocabulary [0, " + v + ") and the row is not masked");
            }
        }
        long[] outShape = {b, t - 1};
        INDArray out = tape.allocate(logits.dtype(), outShape);
        FloatBuffer fl = Buf.of(lv).floats();
        FloatBuffer fo = Buf.of(out).floats();
        int s0 = (int) lv.stride(0);
        int s1 = (int) lv.stride(1);
        double[] lse = new double[rowsN];
        Par.range(rowsN, 4L * v, (lo, hi) -> {
            float[] x = new float[v];
            for (int row = lo; row < hi; row++) {
                if (mask != null && mask[row] == 0) {
                    fo.put(row, 0f);
                    continue;
                }
                int base = (row / (t - 1)) * s0 + (row % (t - 1)) * s1;
                fl.get(base, x, 0, v);
                lse[row] = logSumExp(x, v);
                fo.put(row, (float) (x[targets[row]] - lse[row]));
            }
        });
        return tape.record(out, g -> {
            INDArray gl = tape.gradFor(logits);
            FloatBuffer fg = Buf.of(g).floats();
            FloatBuffer fgl = Buf.of(gl).floats();
            long[] gst = g.stride();
            int gs0 = (int) gl.stride(0);
            int gs1 = (int) gl.stride(1);
            boolean glUnit = gl.stride(2) == 1;
            Par.range(rowsN, 2L * v, (lo, hi) -> {
                float[] x = new float[v];
                float[] acc = new float[v];
                for (int k = lo; k < hi; k++) {
                    if (mask != null && mask[k] == 0) {
                        continue;
                    }
                    int bi = k / (t - 1);
                    int ti = k % (t - 1);
                    double gk = fg.get((int) (bi * gst[0] + ti * gst[1]));
                    fl.get(bi * s0 + ti * s1, x, 0, v);
                    logProbGradRow(x, v, lse[k], targets[k], gk);
                    int bg = bi * gs0 + ti * gs1;
                    if (glUnit) {
                        fgl.get(bg, acc, 0, v);
                        for (int j = 0; j < v; j++) {
                            acc[j] += x[j];
                        }
                        fgl.put(bg, acc, 0, v);
                    } else {
                        int sg = (int) gl.stride(2);
                        for (int j = 0, o = bg; j < v; j++, o += sg) {
                            fgl.put(o, fgl.get(o) + x[j]);
                        }
                    }
                }
            });
        }, logits);
    }

    /** Copies row elements base, base + stride, ... (n of them) into x. */
    private static void stageRow(FloatBuffer src, int base, int stride, float[] x, int n) {
        if (stride == 1) {
            src.get(base, x, 0, n);
            return;
        }
        for (int j = 0, i = base; j < n; j++, i += stride) {
            x[j] = src.get(i);
        }
    }

    /** log sum_j e^x[j] of a float32 row: the max, then the shifted exponentials summed in double. */
    private static double logSumExp(float[] x, int n) {
        double max = RowKernels.max(x, n);
        return max + Math.log(RowKernels.sumExp(x, n, max));
    }

    /**
     * The gradient of g * logp[target] with respect to the logits row x, in place of x: -g softmax(x)_j, plus g at the
     * target (softmax recomputed from the saved log-sum-exp).
     */
    private static void logProbGradRow(float[] x, int n, double lse, int target, double g) {
        RowKernels.scaledExpInPlace(x, n, lse, -g);
        x[target] = x[target] + (float) g;
    }
}
