package dev.lethe.engine.ops;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.engine.kernel.Par;
import dev.lethe.engine.kernel.Walk;
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
        return tape.record(out, g -> {
            INDArray gx = tape.gradFor(x);
            Buf pg = Buf.of(g);
            Buf pgx = Buf.of(gx);
            int sg = (int) g.stride(3);
            int sgx = (int) gx.stride(3);
            long[] gst = g.stride();
            long[] gxst = gx.stride();
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
}
