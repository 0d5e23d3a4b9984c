package dev.lethe.engine.ops;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.engine.kernel.Par;
import dev.lethe.engine.kernel.Walk;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Rotary position embedding in the rotate-half convention of Llama/GPT-NeoX (arXiv 2104.09864, eq. 34): for the
 * first {@code rotaryDim} features of each head, with halves x1 = x[:R/2] and x2 = x[R/2:R],
 * out1 = x1 cos - x2 sin and out2 = x2 cos + x1 sin; features past R pass through (partial rotary, as Phi).
 *
 * <p>The input is [B, H, T, Dh] with any strides, so the permuted view of a projection [B, T, H, Dh] goes in without a
 * copy; the output is contiguous [B, H, T, Dh], ready for attention. {@code cos} and {@code sin} are [Bc, T, R/2] with
 * Bc = 1 (shared positions) or B (per-sequence positions, e.g. left padding).
 */
public final class Rope {
    private Rope() {
    }

    public static Tensor apply(Tape tape, Tensor x, INDArray cos, INDArray sin, int rotaryDim) {
        INDArray xv = x.value();
        if (xv.rank() != 4) {
            throw new IllegalArgumentException("rope expects [B, H, T, Dh], got rank " + xv.rank());
        }
        long[] shape = xv.shape();
        int dh = (int) shape[3];
        int half = rotaryDim / 2;
        if (rotaryDim % 2 != 0 || rotaryDim > dh || cos.size(2) != half || cos.size(1) != shape[2]) {
            throw new IllegalArgumentException("rope: rotaryDim " + rotaryDim + " and cos/sin " + java.util.Arrays
                    .toString(cos.shape()) + " do not fit head dim " + dh + " and length " + shape[2]);
        }
        boolean perBatch = cos.size(0) != 1;
        int sx = (int) xv.stride(3);
        INDArray out = tape.allocate(x.dtype(), shape);
        Buf px = Buf.of(xv);
        Buf po = Buf.of(out);
        Buf pc = Buf.of(cos);
        Buf ps = Buf.of(sin);
        long[] cst = cos.stride();
        long[] sst = sin.stride();
        long[] xst = xv.stride();
        int rowsN = (int) (shape[0] * shape[1] * shape[2]);
        int tN = (int) shape[2];
        int hN = (int) shape[1];
        int cs2 = (int) cst[2];
        int ss2 = (int) sst[2];
        if (px.isFloat() && po.isFloat() && pc.isFloat() && ps.isFloat() && sx == 1 && cs2 == 1 && ss2 == 1) {
            forwardStaged(px.floats(), po.floats(), pc.floats(), ps.floats(), shape, xst, cst, sst, perBatch,
                    rotaryDim);
        } else {
            Par.range(rowsN, 4L * dh, (lo, hi) -> {
                for (int row = lo; row < hi; row++) {
                    int b = perBatch ? row / (hN * tN) : 0;
                    int t = row % tN;
                    int bx = Walk.rowOffset(shape, xst, row);
                    int bo = row * dh;
                    int cBase = (int) (b * cst[0] + t * cst[1]);
                    int sBase = (int) (b * sst[0] + t * sst[1]);
                    for (int j = 0; j < half; j++) {
                        double c = pc.get(cBase + j * cs2);
                        double s = ps.get(sBase + j * ss2);
                        double x1 = px.get(bx + j * sx);
                        double x2 = px.get(bx + (j + half) * sx);
                        po.set(bo + j, x1 * c - x2 * s);
                        po.set(bo + j + half, x2 * c + x1 * s);
                    }
                    for (int j = rotaryDim; j < dh; j++) {
                        po.set(bo + j, px.get(bx + j * sx));
                    }
                }
            });
        }
        return tape.record(out, g -> {
            INDArray gx = tape.gradFor(x);
            Buf pg = Buf.of(g);
            Buf pgx = Buf.of(gx);
            int sg = (int) g.stride(3);
            int sgx = (int) gx.stride(3);
            long[] gst = g.stride();
            long[] gxst = gx.stride();
            if (pg.isFloat() && pgx.isFloat() && pc.isFloat() && ps.isFloat() && sg == 1 && sgx == 1 && cs2 == 1
                    && ss2 == 1) {
                backwardStaged(pg.floats(), pgx.floats(), pc.floats(), ps.floats(), shape, gst, gxst, cst, sst,
                        perBatch, rotaryDim);
                return;
            }
            Par.range(rowsN, 4L * dh, (lo, hi) -> {
                for (int row = lo; row < hi; row++) {
                    int b = perBatch ? row / (hN * tN) : 0;
                    int t = row % tN;
                    int bg = Walk.rowOffset(shape, gst, row);
                    int bgx = Walk.rowOffset(shape, gxst, row);
                    int cBase = (int) (b * cst[0] + t * cst[1]);
                    int sBase = (int) (b * sst[0] + t * sst[1]);
                    for (int j = 0; j < half; j++) {
                        double c = pc.get(cBase + j * cs2);
                        double s = ps.get(sBase + j * ss2);
                        double g1 = pg.get(bg + j * sg);
                        double g2 = pg.get(bg + (j + half) * sg);
                        pgx.add(bgx + j * sgx, g1 * c + g2 * s);
                        pgx.add(bgx + (j + half) * sgx, -g1 * s + g2 * c);
                    }
                    for (int j = rotaryDim; j < dh; j++) {
                        pgx.add(bgx + j * sgx, pg.get(bg + j * sg));
                    }
                }
            });
        }, x);
    }

    /**
     * Float32 forward with unit-stride rows (x's last axis, cos and sin): each row of x and its cos/sin rows are copied
     * to heap arrays, rotated there and written back in one bulk put, so the inner loop has no per-element buffer
     * bounds checks or dtype dispatch. The arithmetic is the strided loop's (products and sums in double, one rounding
     * to float per output), so the bits are the same.
     */
    private static void forwardStaged(FloatBuffer fx, FloatBuffer fo, FloatBuffer fc, FloatBuffer fs, long[] shape,
            long[] xst, long[] cst, long[] sst, boolean perBatch, int rotaryDim) {
        int dh = (int) shape[3];
        int half = rotaryDim / 2;
        int tN = (int) shape[2];
        int hN = (int) shape[1];
        int rowsN = (int) (shape[0] * shape[1] * shape[2]);
        Par.range(rowsN, 4L * dh, (lo, hi) -> {
            float[] xr = new float[dh];
            float[] or = new float[dh];
            float[] cr = new float[half];
            float[] sr = new float[half];
            for (int row = lo; row < hi; row++) {
                int b = perBatch ? row / (hN * tN) : 0;
                int t = row % tN;
                int cBase = (int) (b * cst[0] + t * cst[1]);
                int sBase = (int) (b * sst[0] + t * sst[1]);
                fc.get(cBase, cr, 0, half);
                fs.get(sBase, sr, 0, half);
                fx.get(Walk.rowOffset(shape, xst, row), xr, 0, dh);
                for (int j = 0; j < half; j++) {
                    double c = cr[j];
                    double s = sr[j];
                    double x1 = xr[j];
                    double x2 = xr[j + half];
                    or[j] = (float) (x1 * c - x2 * s);
                    or[j + half] = (float) (x2 * c + x1 * s);
                }
                for (int j = rotaryDim; j < dh; j++) {
                    or[j] = xr[j];
                }
                fo.put(row * dh, or, 0, dh);
            }
        });
    }

    /** Float32 backward with unit-stride rows, staged like {@link #forwardStaged}; same arithmetic as the strided loop. */
    private static void backwardStaged(FloatBuffer fg, FloatBuffer fgx, FloatBuffer fc, FloatBuffer fs, long[] shape,
            long[] gst, long[] gxst, long[] cst, long[] sst, boolean perBatch, int rotaryDim) {
        int dh = (int) shape[3];
        int half = rotaryDim / 2;
        int tN = (int) shape[2];
        int hN = (int) shape[1];
        int rowsN = (int) (shape[0] * shape[1] * shape[2]);
        Par.range(rowsN, 4L * dh, (lo, hi) -> {
            float[] gr = new float[dh];
            float[] acc = new float[dh];
            float[] cr = new float[half];
            float[] sr = new float[half];
            for (int row = lo; row < hi; row++) {
                int b = perBatch ? row / (hN * tN) : 0;
                int t = row % tN;
                int cBase = (int) (b * cst[0] + t * cst[1]);
                int sBase = (int) (b * sst[0] + t * sst[1]);
                fc.get(cBase, cr, 0, half);
                fs.get(sBase, sr, 0, half);
                int bgx = Walk.rowOffset(shape, gxst, row);
                fg.get(Walk.rowOffset(shape, gst, row), gr, 0, dh);
                fgx.get(bgx, acc, 0, dh);
                for (int j = 0; j < half; j++) {
                    double c = cr[j];
                    double s = sr[j];
                    double g1 = gr[j];
                    double g2 = gr[j + half];
                    acc[j] = acc[j] + (float) (g1 * c + g2 * s);
                    acc[j + half] = acc[j + half] + (float) (-g1 * s + g2 * c);
                }
                for (int j = rotaryDim; j < dh; j++) {
                    acc[j] = acc[j] + gr[j];
                }
                fgx.put(bgx, acc, 0, dh);
            }
        });
    }
}
