package dev.lethe.engine.ops;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.engine.kernel.StridedLoop;
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
        StridedLoop rows = StridedLoop.rows(shape, xv.stride());
        int row = 0;
        while (rows.next()) {
            int bx = rows.offset(0);
            double mu = 0;
            if (!rms) {
                for (int j = 0; j < d; j++) {
                    mu += px.get(bx + j * sx);
                }
                mu /= d;
            }
            double var = 0;
            for (int j = 0; j < d; j++) {
                double c = px.get(bx + j * sx) - mu;
                var += c * c;
            }
            var /= d;
            double iv = 1.0 / Math.sqrt(var + eps);
            mean[row] = mu;
            inv[row] = iv;
            int bo = row * d;
            for (int j = 0; j < d; j++) {
                double y = (px.get(bx + j * sx) - mu) * iv;
                if (w != null) {
                    y *= w[j];
                }
                if (b != null) {
                    y += b[j];
                }
                po.set(bo + j, y);
            }
            row++;
        }
        return tape.record(out, g -> {
            Buf pg = Buf.of(g);
            int sg = (int) g.stride(r - 1);
            double[] gw = weight != null && weight.requiresGrad() ? new double[d] : null;
            double[] gb = bias != null && bias.requiresGrad() ? new double[d] : null;
            INDArray gx = x.requiresGrad() ? tape.gradFor(x) : null;
            Buf pgx = gx == null ? null : Buf.of(gx);
            double[] gh = new double[d];
            double[] xh = new double[d];
            StridedLoop it = StridedLoop.rows(shape, xv.stride(), g.stride());
            int k = 0;
            while (it.next()) {
                int bx = it.offset(0);
                int bg = it.offset(1);
                double meanGh = 0;
                double meanGhXh = 0;
                for (int j = 0; j < d; j++) {
                    xh[j] = (px.get(bx + j * sx) - mean[k]) * inv[k];
                    double gy = pg.get(bg + j * sg);
                    if (gw != null) {
                        gw[j] += gy * xh[j];
                    }
                    if (gb != null) {
                        gb[j] += gy;
                    }
                    gh[j] = w == null ? gy : gy * w[j];
                    meanGh += gh[j];
                    meanGhXh += gh[j] * xh[j];
                }
                meanGh /= d;
                meanGhXh /= d;
                if (pgx != null) {
                    int bgx = k * d;
                    for (int j = 0; j < d; j++) {
                        double v = rms ? gh[j] - xh[j] * meanGhXh : gh[j] - meanGh - xh[j] * meanGhXh;
                        pgx.add(bgx + j, v * inv[k]);
                    }
                }
                k++;
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
