package dev.lethe.engine.ops;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.engine.kernel.Par;
import dev.lethe.engine.kernel.StridedLoop;
import dev.lethe.engine.kernel.Walk;
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

    /**
     * One path for every dtype and layout, as the equations read: each row is staged into a double array, normalised
     * there, and written back rounded to the tensor's dtype (for float32 that gives the bits float arithmetic would).
     * Forward: mu = mean(x) (0 for RMSNorm), inv = 1 / sqrt(mean((x - mu)^2) + eps), y = (x - mu) inv w + b.
     * Backward, with xh = (x - mu) inv and gh = gy w: gx = inv (gh - mean(gh) - xh mean(gh xh)) (LayerNorm) or
     * inv (gh - xh mean(gh xh)) (RMSNorm); gw = sum over rows of gy xh, gb = sum of gy.
     */
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
            double[] xs = new double[d];
            float[] scratch = new float[d];
            for (int row = lo; row < hi; row++) {
                px.getRow(Walk.rowOffset(shape, xst, row), sx, xs, d, scratch);
                double mu = 0;
                if (!rms) {
                    for (int j = 0; j < d; j++) {
                        mu += xs[j];
                    }
                    mu /= d;
                }
                double var = 0;
                for (int j = 0; j < d; j++) {
                    double c = xs[j] - mu;
                    var += c * c;
                }
                double iv = 1.0 / Math.sqrt(var / d + eps);
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
                    xs[j] = y;
                }
                po.putRow(row * d, 1, xs, d, scratch);
            }
        });
        return tape.record(out, g -> {
            Buf pg = Buf.of(g);
            int sg = (int) g.stride(r - 1);
            long[] gst = g.stride();
            if (x.requiresGrad()) {
                INDArray gx = tape.gradFor(x);
                Buf pgx = Buf.of(gx);
                int sgx = (int) gx.stride(r - 1);
                long[] gxst = gx.stride();
                // input gradient, row by row (rows are independent)
                Par.range(rowsN, 8L * d, (lo, hi) -> {
                    double[] xh = new double[d];
                    double[] gh = new double[d];
                    double[] acc = new double[d];
                    float[] scratch = new float[d];
                    for (int k = lo; k < hi; k++) {
                        px.getRow(Walk.rowOffset(shape, xst, k), sx, xh, d, scratch);
                        pg.getRow(Walk.rowOffset(shape, gst, k), sg, gh, d, scratch);
                        // row statistics in locals: the loops store into double arrays, which could alias mean/inv
                        double mk = mean[k];
                        double ik = inv[k];
                        double meanGh = 0;
                        double meanGhXh = 0;
                        for (int j = 0; j < d; j++) {
                            xh[j] = (xh[j] - mk) * ik;
                            if (w != null) {
                                gh[j] *= w[j];
                            }
                            meanGh += gh[j];
                            meanGhXh += gh[j] * xh[j];
                        }
                        meanGh /= d;
                        meanGhXh /= d;
                        int bgx = Walk.rowOffset(shape, gxst, k);
                        pgx.getRow(bgx, sgx, acc, d, scratch);
                        for (int j = 0; j < d; j++) {
                            double v = rms ? gh[j] - xh[j] * meanGhXh : gh[j] - meanGh - xh[j] * meanGhXh;
                            acc[j] += pgx.round(v * ik);
                        }
                        pgx.putRow(bgx, sgx, acc, d, scratch);
                    }
                });
            }
            double[] gw = weight != null && weight.requiresGrad() ? new double[d] : null;
            double[] gb = bias != null && bias.requiresGrad() ? new double[d] : null;
            if (gw != null || gb != null) {
                // weight and bias gradients: sums over rows, split by columns so each column adds in row order
                Par.range(d, 4L * rowsN, (lo, hi) -> {
                    double[] xs = new double[hi - lo];
                    double[] gs = new double[hi - lo];
                    float[] scratch = new float[hi - lo];
                    for (int k = 0; k < rowsN; k++) {
                        double mk = mean[k];
                        double ik = inv[k];
                        px.getRow(Walk.rowOffset(shape, xst, k) + lo * sx, sx, xs, hi - lo, scratch);
                        pg.getRow(Walk.rowOffset(shape, gst, k) + lo * sg, sg, gs, hi - lo, scratch);
                        for (int j = lo; j < hi; j++) {
                            double gy = gs[j - lo];
                            if (gw != null) {
                                gw[j] += gy * ((xs[j - lo] - mk) * ik);
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
