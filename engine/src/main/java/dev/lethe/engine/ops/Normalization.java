package dev.lethe.engine.ops;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.engine.kernel.Par;
import dev.lethe.engine.kernel.StridedLoop;
import dev.lethe.engine.kernel.Walk;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Fused normalisations over the last axis: LayerNorm (with weight and bias, weight only, or no parameters as in
 * OLMo) and RMSNorm (weight w, or 1 + w as in Gemma). One pass per row computes the statistics in double precision;
 * the backward rule recomputes the normalised row from the saved inverse standard deviation.
 */
public final class Normalization {
    private Normalization() {
    }

    /** LayerNorm(x) * weight + bias over the last axis; weight and bias may be null. Biased variance, as PyTorch. */
    public static Tensor layerNorm(Tape tape, Tensor x, Tensor weight, Tensor bias, double eps) {
        return norm(tape, x, weight, bias, eps, false, false);
    }

    /** x / sqrt(mean(x^2) + eps) * w, or * (1 + w) when {@code onePlusWeight} (Gemma); weight may be null. */
    public static Tensor rmsNorm(Tape tape, Tensor x, Tensor weight, double eps, boolean onePlusWeight) {
        return norm(tape, x, weight, null, eps, true, onePlusWeight);
    }

    private static Tensor norm(Tape tape, Tensor x, Tensor weight, Tensor bias, double eps, boolean rms,
            boolean onePlus) {
        INDArray xv = x.value();
        long[] shape = xv.shape();
        int r = shape.length;
        int d = (int) shape[r - 1];
        int sx = (int) xv.stride(r - 1);
        if (weight != null && weight.length() != d || bias != null && bias.length() != d) {
            throw new IllegalArgumentException("normalisation: weight/bias length must equal the last axis " + d);
        }
        INDArray out = tape.allocate(x.dtype(), shape);
        int rowsN = (int) (xv.length() / Math.max(d, 1));
        double[] mean = new double[rowsN];
        double[] inv = new double[rowsN];
        double[] w = weight == null ? null : readVector(weight.value(), onePlus);
        double[] b = bias == null ? null : readVector(bias.value(), false);
        Buf px = Buf.of(xv);
        Buf po = Buf.of(out);
        long[] xst = xv.stride();
        Par.range(rowsN, 6L * d, (lo, hi) -> {
            float[] xs = px.isFloat() && sx == 1 ? new float[d] : null;
            for (int row = lo; row < hi; row++) {
                int bx = Walk.rowOffset(shape, xst, row);
                int bo = row * d;
                double mu = 0;
                double var = 0;
                if (xs != null) {
                    // dense float32 row staged on the heap: the same arithmetic as below, without bounds checks
                    px.floats().get(bx, xs, 0, d);
                    if (!rms) {
                        for (int j = 0; j < d; j++) {
                            mu += xs[j];
                        }
                        mu /= d;
                    }
                    for (int j = 0; j < d; j++) {
                        double c = xs[j] - mu;
                        var += c * c;
                    }
                    var /= d;
                    double iv = 1.0 / Math.sqrt(var + eps);
                    mean[row] = mu;
                    inv[row] = iv;
                    for (int j = 0; j < d; j++) {
                        double y = (xs[j] - mu) * iv;
                        if (w != null) {
                            y *= w[j];
                        }
                        if (b != null) {
                            y += b[j];
                        }
                        xs[j] = (float) y;
                    }
                    po.floats().put(bo, xs, 0, d);
                } else if (px.isFloat()) {
                    FloatBuffer fx = px.floats();
                    FloatBuffer fo = po.floats();
                    if (!rms) {
                        for (int j = 0, i = bx; j < d; j++, i += sx) {
                            mu += fx.get(i);
                        }
                        mu /= d;
                    }
                    for (int j = 0, i = bx; j < d; j++, i += sx) {
                        double c = fx.get(i) - mu;
                        var += c * c;
                    }
                    var /= d;
                    double iv = 1.0 / Math.sqrt(var + eps);
                    mean[row] = mu;
                    inv[row] = iv;
                    for (int j = 0, i = bx; j < d; j++, i += sx) {
                        double y = (fx.get(i) - mu) * iv;
                        if (w != null) {
                            y *= w[j];
                        }
                        if (b != null) {
                            y += b[j];
                        }
                        fo.put(bo + j, (float) y);
                    }
                } else {
                    DoubleBuffer dx = px.doubles();
                    DoubleBuffer dout = po.doubles();
                    if (!rms) {
                        for (int j = 0, i = bx; j < d; j++, i += sx) {
                            mu += dx.get(i);
                        }
                        mu /= d;
                    }
                    for (int j = 0, i = bx; j < d; j++, i += sx) {
                        double c = dx.get(i) - mu;
                        var += c * c;
                    }
                    var /= d;
                    double iv = 1.0 / Math.sqrt(var + eps);
                    mean[row] = mu;
                    inv[row] = iv;
                    for (int j = 0, i = bx; j < d; j++, i += sx) {
                        double y = (dx.get(i) - mu) * iv;
                        if (w != null) {
                            y *= w[j];
                        }
                        if (b != null) {
                            y += b[j];
                        }
                        dout.put(bo + j, y);
                    }
                }
            }
        });
        return tape.record(out, g -> {
            Buf pg = Buf.of(g);
            int sg = (int) g.stride(r - 1);
            long[] gst = g.stride();
            double[] gw = weight != null && weight.requiresGrad() ? new double[d] : null;
            double[] gb = bias != null && bias.requiresGrad() ? new double[d] : null;
            INDArray gx = x.requiresGrad() ? tape.gradFor(x) : null;
            Buf pgx = gx == null ? null : Buf.of(gx);
            if (pgx != null) {
                // input gradient, row by row (rows are independent)
                boolean staged = px.isFloat() && pg.isFloat() && pgx.isFloat() && sx == 1 && sg == 1;
                Par.range(rowsN, 8L * d, (lo, hi) -> {
                    double[] gh = new double[d];
                    double[] xh = new double[d];
                    float[] xs = staged ? new float[d] : null;
                    float[] gs = staged ? new float[d] : null;
                    for (int k = lo; k < hi; k++) {
                        int bx = Walk.rowOffset(shape, xst, k);
                        int bg = Walk.rowOffset(shape, gst, k);
                        double mk = mean[k];
                        double ik = inv[k];
                        double meanGh = 0;
                        double meanGhXh = 0;
                        if (staged) {
                            px.floats().get(bx, xs, 0, d);
                            pg.floats().get(bg, gs, 0, d);
                            for (int j = 0; j < d; j++) {
                                xh[j] = (xs[j] - mk) * ik;
                                double gy = gs[j];
                                gh[j] = w == null ? gy : gy * w[j];
                                meanGh += gh[j];
                                meanGhXh += gh[j] * xh[j];
                            }
                        } else {
                            for (int j = 0, i = bx, ig = bg; j < d; j++, i += sx, ig += sg) {
                                xh[j] = (px.get(i) - mk) * ik;
                                double gy = pg.get(ig);
                                gh[j] = w == null ? gy : gy * w[j];
                                meanGh += gh[j];
                                meanGhXh += gh[j] * xh[j];
                            }
                        }
                        meanGh /= d;
                        meanGhXh /= d;
                        int bgx = k * d;
                        if (staged) {
                            FloatBuffer fgx = pgx.floats();
                            fgx.get(bgx, xs, 0, d);
                            for (int j = 0; j < d; j++) {
                                double v = rms ? gh[j] - xh[j] * meanGhXh : gh[j] - meanGh - xh[j] * meanGhXh;
                                xs[j] = xs[j] + (float) (v * ik);
                            }
                            fgx.put(bgx, xs, 0, d);
                        } else if (pgx.isFloat()) {
                            FloatBuffer fgx = pgx.floats();
                            for (int j = 0; j < d; j++) {
                                double v = rms ? gh[j] - xh[j] * meanGhXh : gh[j] - meanGh - xh[j] * meanGhXh;
                                fgx.put(bgx + j, fgx.get(bgx + j) + (float) (v * ik));
                            }
                        } else {
                            DoubleBuffer dgx = pgx.doubles();
                            for (int j = 0; j < d; j++) {
                                double v = rms ? gh[j] - xh[j] * meanGhXh : gh[j] - meanGh - xh[j] * meanGhXh;
                                dgx.put(bgx + j, dgx.get(bgx + j) + v * ik);
                            }
                        }
                    }
                });
            }
            if (gw != null || gb != null) {
                // weight and bias gradients: sums over rows, split by columns so each column adds in row order
                boolean stagedW = px.isFloat() && pg.isFloat() && sx == 1 && sg == 1;
                Par.range(d, 4L * rowsN, (lo, hi) -> {
                    float[] xs = stagedW ? new float[hi - lo] : null;
                    float[] gs = stagedW ? new float[hi - lo] : null;
                    for (int k = 0; k < rowsN; k++) {
                        int bx = Walk.rowOffset(shape, xst, k);
                        int bg = Walk.rowOffset(shape, gst, k);
                        double mk = mean[k];
                        double ik = inv[k];
                        if (stagedW) {
                            px.floats().get(bx + lo, xs, 0, hi - lo);
                            pg.floats().get(bg + lo, gs, 0, hi - lo);
                            for (int j = lo; j < hi; j++) {
                                double gy = gs[j - lo];
                                if (gw != null) {
                                    gw[j] += gy * ((xs[j - lo] - mk) * ik);
                                }
                                if (gb != null) {
                                    gb[j] += gy;
                                }
                            }
                            continue;
                        }
                        for (int j = lo; j < hi; j++) {
                            double gy = pg.get(bg + j * sg);
                            if (gw != null) {
                                gw[j] += gy * ((px.get(bx + j * sx) - mk) * ik);
                            }
                            if (gb != null) {
                                gb[j] += gy;
                            }
                        }
                    }
                });
            }
            if (gw != null) {
                addVector(tape.gradFor(weight), gw);
            }
            if (gb != null) {
                addVector(tape.gradFor(bias), gb);
            }
        }, x, weight, bias);
    }

    static double[] readVector(INDArray v, boolean onePlus) {
        double[] out = new double[(int) v.length()];
        Buf p = Buf.of(v);
        StridedLoop it = new StridedLoop(v.shape(), v.stride());
        int i = 0;
        while (it.next()) {
            out[i++] = p.get(it.offset(0)) + (onePlus ? 1.0 : 0.0);
        }
        return out;
    }

    static void addVector(INDArray target, double[] values) {
        Buf p = Buf.of(target);
        StridedLoop it = new StridedLoop(target.shape(), target.stride());
        int i = 0;
        while (it.next()) {
            p.add(it.offset(0), values[i++]);
        }
    }
}
