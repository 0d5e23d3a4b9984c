package dev.lethe.engine.ops;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.kernel.Blas;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.engine.kernel.Exp;
import dev.lethe.engine.kernel.Loops;
import dev.lethe.engine.kernel.Par;
import dev.lethe.engine.kernel.Profile;
import dev.lethe.engine.kernel.RowKernels;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Scaled dot-product self-attention (arXiv 1706.03762, eq. 1) with a causal mask, a key padding mask and grouped KV
 * heads (GQA, arXiv 2305.13245): query head h reads KV head h / (H / Hkv).
 *
 * <p>q: [B, H, Tq, Dh]; k, v: [B, Hkv, Tk, Dh] with Tk >= Tq (a KV cache holds earlier positions: query i sits at
 * absolute position Tk - Tq + i and may see keys 0..Tk - Tq + i). keyMask: B * Tk entries, nonzero = real token
 * (null = no padding). A query row that may see no key at all (a left-padding position) outputs zeros. The output is
 * [B, Tq, H, Dh] so that reshaping it to [B, Tq, H * Dh] for the output projection is free. Per (batch, head) the
 * scores and the weighted sum are two GEMMs addressed by offsets into the dense q, k, v, probability and output
 * buffers (no per-head views); the probabilities are kept for the backward rule. Work is split over the kernel
 * threads by (batch row, KV head) units, each running single-threaded BLAS: the per-head products are too small
 * (256 x 64 x 256 in the llama-34m bench) for BLAS's own threads, which reached only 42-49 GFLOP/s on them.
 */
public final class Attention {
    /** {@code -Dlethe.attention.split=false}: per-head products in one thread with multi-threaded BLAS (comparisons). */
    private static final boolean SPLIT = !"false".equals(System.getProperty("lethe.attention.split"));

    private Attention() {
    }

    public static Tensor causalSelfAttention(Tape tape, Tensor q, Tensor k, Tensor v, int[] keyMask, double scale) {
        return attention(tape, q, k, v, keyMask, scale, true);
    }

    public static Tensor attention(Tape tape, Tensor q, Tensor k, Tensor v, int[] keyMask, double scale,
            boolean causal) {
        if (q.value().rank() == 4 && q.value().size(2) == 1 && !tape.needsGrad(q, k, v)
                && q.dtype() == org.nd4j.linalg.api.buffer.DataType.FLOAT && k.dtype() == q.dtype()
                && v.dtype() == q.dtype()) {
            return decodeStep(tape, q, k, v, keyMask, scale, causal);
        }
        INDArray qv = Views.dense(tape, q.value());
        INDArray kv = Views.dense(tape, k.value());
        INDArray vv = Views.dense(tape, v.value());
        long[] qs = qv.shape();
        long[] ks = kv.shape();
        checkShapes(qv, kv, vv, keyMask);
        int b = (int) qs[0];
        int h = (int) qs[1];
        int tq = (int) qs[2];
        int dh = (int) qs[3];
        int hkv = (int) ks[1];
        int tk = (int) ks[2];
        int group = h / hkv;
        int past = tk - tq;
        INDArray probs = tape.allocate(q.dtype(), (long) b * h, tq, tk);
        INDArray out = tape.allocate(q.dtype(), b, tq, h, dh);
        Buf pp = Buf.of(probs);
        // work units: one (batch row, KV head) pair and its group of query heads, so that units write disjoint
        // outputs (probabilities and output rows of their query heads; in backward also their KV head's gradients)
        int units = b * hkv;
        int ldo = h * dh;
        boolean split = SPLIT && Par.threads() > 1 && units > 1;
        Blas.singleThreadedIf(split, () -> split(split, units, 4L * group * tq * tk * dh, (lo, hi) -> {
                    float[] fbuf = pp.isFloat() ? new float[tk] : null;
                    for (int u = lo; u < hi; u++) {
                        int bi = u / hkv;
                        long kvOff = (long) u * tk * dh;
                        for (int gi = 0; gi < group; gi++) {
                            int hq = (u % hkv) * group + gi;
                            int bh = bi * h + hq;
                            long pOff = (long) bh * tq * tk;
                            Profile.gemm(qv, (long) bh * tq * dh, dh, false, kv, kvOff, dh, true, probs, pOff, tk, tq,
                                    tk, dh, scale, 0.0);
                            softmaxRows(pp, bh * tq * tk, 0, tq, tk, past, causal, keyMask, bi * tk, fbuf);
                            // straight into out[bi, :, hq, :], rows h * dh apart
                            Profile.gemm(probs, pOff, tk, false, vv, kvOff, dh, false, out,
                                    ((long) bi * tq * h + hq) * dh, ldo, tq, dh, tk, 1.0, 0.0);
                        }
                    }
                }));
        return tape.record(out, g -> {
            INDArray gq = q.requiresGrad() ? denseGrad(tape, q) : null;
            INDArray gk = k.requiresGrad() ? denseGrad(tape, k) : null;
            INDArray gv = v.requiresGrad() ? denseGrad(tape, v) : null;
            INDArray gd = Views.dense(tape, g);
            // dS scratch per thread: Par runs [0, n/2) on the caller and [n/2, n) on its worker
            INDArray dS = tape.allocate(q.dtype(), 2, tq, tk);
            Buf pds = Buf.of(dS);
            Blas.singleThreadedIf(split, () -> split(split, units, 8L * group * tq * tk * dh, (lo, hi) -> {
                        int slot = lo == 0 ? 0 : 1;
                        long sOff = (long) slot * tq * tk;
                        for (int u = lo; u < hi; u++) {
                            int bi = u / hkv;
                            long kvOff = (long) u * tk * dh;
                            for (int gi = 0; gi < group; gi++) {
                                int hq = (u % hkv) * group + gi;
                                int bh = bi * h + hq;
                                long pOff = (long) bh * tq * tk;
                                long qOff = (long) bh * tq * dh;
                                long gOff = ((long) bi * tq * h + hq) * dh;
                                if (gv != null) {
                                    Profile.gemm(probs, pOff, tk, true, gd, gOff, ldo, false, gv, kvOff, dh, tk, dh, tq,
                                            1.0, 1.0);
                                }
                                // dP = dO V^T, then dS = P * (dP - rowsum(dP * P)) * scale
                                Profile.gemm(gd, gOff, ldo, false, vv, kvOff, dh, true, dS, sOff, tk, tq, tk, dh, 1.0,
                                        0.0);
                                softmaxBackward(pp, bh * tq * tk, pds, (int) sOff, 0, tq, tk, scale);
                                if (gq != null) {
                                    Profile.gemm(dS, sOff, tk, false, kv, kvOff, dh, false, gq, qOff, dh, tq, dh, tk,
                                            1.0, 1.0);
                                }
                                if (gk != null) {
                                    Profile.gemm(dS, sOff, tk, true, qv, qOff, dh, false, gk, kvOff, dh, tk, dh, tq,
                                            1.0, 1.0);
                                }
                            }
                        }
                    }));
        }, q, k, v);
    }

    /** q [B, H, Tq, Dh], k and v [B, Hkv, Tk, Dh] with H a multiple of Hkv and Tk >= Tq; keyMask B * Tk entries. */
    private static void checkShapes(INDArray qv, INDArray kv, INDArray vv, int[] keyMask) {
        long[] qs = qv.shape();
        long[] ks = kv.shape();
        if (qv.rank() != 4 || kv.rank() != 4 || !Arrays.equals(ks, vv.shape()) || qs[0] != ks[0] || qs[3] != ks[3]
                || qs[1] % ks[1] != 0 || ks[2] < qs[2]) {
            throw new IllegalArgumentException("attention shapes do not fit: q " + Arrays.toString(qs) + ", k "
                    + Arrays.toString(ks) + ", v " + Arrays.toString(vv.shape()));
        }
        if (keyMask != null && keyMask.length != ks[0] * ks[2]) {
            throw new IllegalArgumentException("attention: key mask has " + keyMask.length + " entries, expected "
                    + ks[0] * ks[2]);
        }
    }

    /** {@link Par#range} when splitting, else the whole range inline. */
    private static void split(boolean split, int n, long workPerItem, Par.Range body) {
        if (split) {
            Par.range(n, workPerItem, body);
        } else {
            body.run(0, n);
        }
    }

    /** The gradient buffer of t, which the per-head products address as row-major contiguous memory. */
    private static INDArray denseGrad(Tape tape, Tensor t) {
        INDArray g = tape.gradFor(t);
        if (!Loops.isContiguous(g)) {
            throw new IllegalStateException("attention: gradient buffer of " + Arrays.toString(t.shape())
                    + " is not contiguous");
        }
        return g;
    }

    /**
     * Inference with one query position per row (KV-cache decoding), float32: scores, masked softmax and the weighted
     * sum of values computed per head in Java straight from the (possibly strided) q, k and v views, without copying
     * the cache views dense or issuing two small GEMMs per head (whose per-call overhead dominates decoding). The
     * softmax is the same row kernel as the general path; dot products accumulate in float32 in key order, so values
     * agree with the GEMM path to float rounding. Nothing is recorded (callers ensure no input needs a gradient).
     */
    private static Tensor decodeStep(Tape tape, Tensor q, Tensor k, Tensor v, int[] keyMask, double scale,
            boolean causal) {
        INDArray qv = q.value();
        INDArray kv = k.value();
        INDArray vv = v.value();
        long[] qs = qv.shape();
        long[] ks = kv.shape();
        checkShapes(qv, kv, vv, keyMask);
        int b = (int) qs[0];
        int h = (int) qs[1];
        int dh = (int) qs[3];
        int hkv = (int) ks[1];
        int tk = (int) ks[2];
        int group = h / hkv;
        int past = tk - 1;
        INDArray probs = tape.allocate(q.dtype(), (long) b * h, tk);
        INDArray out = tape.allocate(q.dtype(), b, 1, h, dh);
        Buf pp = Buf.of(probs);
        FloatBuffer fp = pp.floats();
        FloatBuffer fq = Buf.of(qv).floats();
        FloatBuffer fk = Buf.of(kv).floats();
        FloatBuffer fv = Buf.of(vv).floats();
        FloatBuffer fo = Buf.of(out).floats();
        long[] qst = qv.stride();
        long[] kst = kv.stride();
        long[] vst = vv.stride();
        boolean kUnit = kst[3] == 1;
        boolean vUnit = vst[3] == 1;
        float fscale = (float) scale;
        Par.range(b * h, 4L * tk * dh, (lo, hi) -> {
            float[] qrow = new float[dh];
            float[] row = new float[dh];
            float[] acc = new float[dh];
            float[] sbuf = new float[tk];
            for (int bh = lo; bh < hi; bh++) {
                int bi = bh / h;
                int hi2 = bh % h;
                int hk = hi2 / group;
                int qo = (int) (bi * qst[0] + hi2 * qst[1]);
                for (int d = 0; d < dh; d++) {
                    qrow[d] = fq.get(qo + (int) (d * qst[3]));
                }
                for (int j = 0; j < tk; j++) {
                    int ko = (int) (bi * kst[0] + hk * kst[1] + j * kst[2]);
                    if (kUnit) {
                        fk.get(ko, row, 0, dh);
                    } else {
                        for (int d = 0; d < dh; d++) {
                            row[d] = fk.get(ko + (int) (d * kst[3]));
                        }
                    }
                    float dot = 0f;
                    for (int d = 0; d < dh; d++) {
                        dot += qrow[d] * row[d];
                    }
                    fp.put(bh * tk + j, dot * fscale);
                }
                softmaxRowF(fp, bh * tk, tk, causal ? Math.min(tk, past + 1) : tk, keyMask, bi * tk, sbuf);
                java.util.Arrays.fill(acc, 0f);
                for (int j = 0; j < tk; j++) {
                    float pj = fp.get(bh * tk + j);
                    int vo = (int) (bi * vst[0] + hk * vst[1] + j * vst[2]);
                    if (vUnit) {
                        fv.get(vo, row, 0, dh);
                    } else {
                        for (int d = 0; d < dh; d++) {
                            row[d] = fv.get(vo + (int) (d * vst[3]));
                        }
                    }
                    for (int d = 0; d < dh; d++) {
                        acc[d] += pj * row[d];
                    }
                }
                fo.put((bi * h + hi2) * dh, acc, 0, dh);
            }
        });
        return tape.constant(out);
    }

    /**
     * dS = P * (dP - rowsum(dP * P)) * scale in place of dP for rows lo..hi of length tk; P's rows start at
     * {@code base}, dP's at {@code dBase} (serial: callers split work by heads).
     */
    private static void softmaxBackward(Buf pp, int base, Buf pds, int dBase, int lo, int hi, int tk, double scale) {
        if (pp.isFloat()) {
            FloatBuffer p = pp.floats();
            FloatBuffer ds = pds.floats();
            float[] pr = new float[tk];
            float[] dr = new float[tk];
            for (int i = lo; i < hi; i++) {
                p.get(base + i * tk, pr, 0, tk);
                ds.get(dBase + i * tk, dr, 0, tk);
                RowKernels.softmaxGrad(pr, dr, tk, RowKernels.dot(dr, pr, tk), scale);
                ds.put(dBase + i * tk, dr, 0, tk);
            }
        } else {
            DoubleBuffer p = pp.doubles();
            DoubleBuffer ds = pds.doubles();
            for (int i = lo; i < hi; i++) {
                int pr = base + i * tk;
                int dr = dBase + i * tk;
                double dot = 0;
                for (int j = 0; j < tk; j++) {
                    dot += ds.get(dr + j) * p.get(pr + j);
                }
                for (int j = 0; j < tk; j++) {
                    double pij = p.get(pr + j);
                    ds.put(dr + j, pij * (ds.get(dr + j) - dot) * scale);
                }
            }
        }
    }

    /**
     * In-place masked softmax of rows lo..hi (of length tk, starting at {@code base}); masked entries become exactly 0
     * (serial: callers split work by heads). {@code fbuf}: a float scratch row for float32 arrays.
     */
    private static void softmaxRows(Buf p, int base, int lo, int hi, int tk, int past, boolean causal, int[] keyMask,
            int maskBase, float[] fbuf) {
        for (int i = lo; i < hi; i++) {
            int row = base + i * tk;
            int limit = causal ? Math.min(tk, past + i + 1) : tk;
            if (p.isFloat()) {
                softmaxRowF(p.floats(), row, tk, limit, keyMask, maskBase, fbuf);
            } else {
                softmaxRowD(p.doubles(), row, tk, limit, keyMask, maskBase);
            }
        }
    }

    /**
     * One float32 row through the heap array {@code buf} (at least tk long): keys past {@code limit} or masked out get
     * exactly 0, the rest e^(s - max) / sum by {@link RowKernels} (exponentials as {@link Exp}, summed in double).
     */
    private static void softmaxRowF(FloatBuffer p, int row, int tk, int limit, int[] keyMask, int maskBase,
            float[] buf) {
        p.get(row, buf, 0, tk);
        if (keyMask != null) {
            for (int j = 0; j < limit; j++) {
                if (keyMask[maskBase + j] == 0) {
                    buf[j] = Float.NEGATIVE_INFINITY; // e^-inf = 0
                }
            }
        }
        Arrays.fill(buf, limit, tk, 0f);
        double max = RowKernels.max(buf, limit);
        if (max == Double.NEGATIVE_INFINITY) {
            // no visible key (a left-padding query): a zero row
            Arrays.fill(buf, 0, limit, 0f);
        } else {
            double sum = RowKernels.expInPlace(buf, limit, max);
            for (int j = 0; j < limit; j++) {
                buf[j] = (float) (buf[j] / sum);
            }
        }
        p.put(row, buf, 0, tk);
    }

    private static void softmaxRowD(DoubleBuffer p, int row, int tk, int limit, int[] keyMask, int maskBase) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < limit; j++) {
            if (keyMask == null || keyMask[maskBase + j] != 0) {
                max = Math.max(max, p.get(row + j));
            }
        }
        if (max == Double.NEGATIVE_INFINITY) {
            for (int j = 0; j < tk; j++) {
                p.put(row + j, 0.0);
            }
            return;
        }
        double sum = 0;
        for (int j = 0; j < tk; j++) {
            boolean visible = j < limit && (keyMask == null || keyMask[maskBase + j] != 0);
            double e = visible ? Math.exp(p.get(row + j) - max) : 0.0;
            p.put(row + j, e);
            sum += e;
        }
        for (int j = 0; j < tk; j++) {
            p.put(row + j, p.get(row + j) / sum);
        }
    }
}
