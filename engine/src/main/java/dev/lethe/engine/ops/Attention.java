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
     * Inference with one query position per row (KV-cache decoding), float32. Per (batch row, KV head) unit: the
     * scores of its group of query heads against the cached keys, S = scale Q K^T (one GEMV per head when the group is
     * one head, else one GEMM), the masked softmax of each row in Java, then O = P V straight into the output (GEMV
     * or GEMM again). Operands are addressed by offsets into the cache views (rows of keys and values are a cache
     * row's stride apart), so nothing is copied. The score rows are {@code tk} rounded up to 64 apart, so the pool
     * hands out the same buffer for 64 steps while the cache grows. Nothing is recorded (callers ensure no input needs
     * a gradient).
     */
    private static Tensor decodeStep(Tape tape, Tensor q, Tensor k, Tensor v, int[] keyMask, double scale,
            boolean causal) {
        INDArray qv = unitLast(tape, q.value());
        INDArray kv = unitLast(tape, k.value());
        INDArray vv = unitLast(tape, v.value());
        checkShapes(qv, kv, vv, keyMask);
        long[] qst = qv.stride();
        long[] kst = kv.stride();
        long[] vst = vv.stride();
        int b = (int) qv.size(0);
        int h = (int) qv.size(1);
        int dh = (int) qv.size(3);
        int hkv = (int) kv.size(1);
        int tk = (int) kv.size(2);
        int group = h / hkv;
        int ld = (tk + 63) / 64 * 64;
        INDArray scores = tape.allocate(q.dtype(), (long) b * h, ld);
        INDArray out = tape.allocate(q.dtype(), b, 1, h, dh);
        FloatBuffer sp = Buf.of(scores).floats();
        int units = b * hkv;
        boolean split = Par.threads() > 1 && units > 1;
        Blas.singleThreadedIf(split, () -> split(split, units, 4L * group * tk * dh, (lo, hi) -> {
            float[] row = new float[tk];
            for (int u = lo; u < hi; u++) {
                int bi = u / hkv;
                int hk = u % hkv;
                int hq = hk * group;
                long qOff = bi * qst[0] + hq * qst[1];
                long kOff = bi * kst[0] + hk * kst[1];
                long vOff = bi * vst[0] + hk * vst[1];
                long sOff = (long) (bi * h + hq) * ld;
                long oOff = (long) (bi * h + hq) * dh;
                if (group == 1) {
                    Blas.gemv(kv, kOff, (int) kst[2], false, qv, qOff, scores, sOff, tk, dh, scale, 0.0);
                } else {
                    Blas.gemm(qv, qOff, (int) qst[1], false, kv, kOff, (int) kst[2], true, scores, sOff, ld, group,
                            tk, dh, scale, 0.0);
                }
                for (int gi = 0; gi < group; gi++) {
                    // the one query sits at the last position: causal or not, it sees every cached key
                    softmaxRowF(sp, (int) sOff + gi * ld, tk, tk, keyMask, bi * tk, row);
                }
                if (group == 1) {
                    Blas.gemv(vv, vOff, (int) vst[2], true, scores, sOff, out, oOff, tk, dh, 1.0, 0.0);
                } else {
                    Blas.gemm(scores, sOff, ld, false, vv, vOff, (int) vst[2], false, out, oOff, dh, group, dh, tk,
                            1.0, 0.0);
                }
            }
        }));
        return tape.constant(out);
    }

    /** x itself when its last dimension has unit stride (cache views do), else a dense copy. */
    private static INDArray unitLast(Tape tape, INDArray x) {
        return x.stride(x.rank() - 1) == 1 ? x : Views.dense(tape, x);
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
