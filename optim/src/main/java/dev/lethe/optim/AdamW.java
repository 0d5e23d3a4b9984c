package dev.lethe.optim;

import dev.lethe.engine.ParameterSet;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.engine.kernel.Par;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * AdamW (Loshchilov and Hutter, arXiv 1711.05101, Algorithm 2) with exactly the arithmetic of torch.optim.AdamW's
 * single-tensor path: decoupled weight decay first ({@code p *= 1 - lr*wd}), then {@code m.lerp_(g, 1-beta1)},
 * {@code v = v*beta2 + (1-beta2)*g*g}, {@code denom = sqrt(v)/sqrt(1-beta2^t) + eps} and
 * {@code p += (-lr/(1-beta1^t)) * m / denom}. Scalars are computed in double and rounded to the parameter's dtype
 * before the elementwise work, which runs in that dtype (float32 for float32 parameters), as PyTorch does on CPU. One
 * fused pass over all parameter arrays, cut into chunks that are staged through heap arrays (bulk copies instead of
 * per-element off-heap access) and split over the engine's kernel threads ({@code dev.lethe.engine.kernel.Par});
 * every element gets the same arithmetic whatever the split, so results do not depend on the thread count. State is
 * {@code exp_avg} and {@code exp_avg_sq}.
 */
public final class AdamW extends TorchOptimizer {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;

    public AdamW(double lr, double beta1, double beta2, double eps, double weightDecay) {
        super(lr);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    /** PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
    public AdamW(double lr) {
        this(lr, 0.9, 0.999, 1e-8, 0.01);
    }

    @Override
    protected List<String> bufferNames() {
        return List.of("exp_avg", "exp_avg_sq");
    }

    /** Elements per staged chunk: four float32 chunks (p, g, m, v) take 64 KiB and stay in L2. */
    static final int CHUNK = 4096;

    /** One parameter array with its gradient and state, as views over their off-heap memory. */
    private record Slot(Buf p, Buf g, Buf m, Buf v, int n) {
    }

    @Override
    public void step(ParameterSet params, ParameterSet direction) {
        ParameterSet expAvg = buffer("exp_avg", params);
        ParameterSet expAvgSq = buffer("exp_avg_sq", params);
        long steps = nextStep();
        double lr = learningRate();
        double decay = 1 - lr * weightDecay;
        double bc1 = 1 - Math.pow(beta1, steps);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, steps));
        double stepSize = lr / bc1;
        List<Slot> slots = new ArrayList<>();
        List<INDArray[]> arrays = new ArrayList<>();
        for (Map.Entry<String, INDArray> e : params) {
            String name = e.getKey();
            INDArray p = e.getValue();
            INDArray g = direction.get(name);
            INDArray m = expAvg.get(name);
            INDArray v = expAvgSq.get(name);
            requireContiguous(name, p, g, m, v);
            if (p.length() == 0) {
                continue;
            }
            slots.add(new Slot(Buf.of(p), Buf.of(g), Buf.of(m), Buf.of(v), (int) p.length()));
            arrays.add(new INDArray[] {p, g, m, v});
        }
        // every parameter array is cut into CHUNK-element pieces, numbered across all arrays in order; the pieces are
        // split over Par's two threads. Each element is updated by the same arithmetic in either thread, so the result
        // is bit-identical to one thread's (and to the plain per-element loop).
        int[] firstChunk = new int[slots.size() + 1];
        for (int i = 0; i < slots.size(); i++) {
            firstChunk[i + 1] = firstChunk[i] + (slots.get(i).n() + CHUNK - 1) / CHUNK;
        }
        int chunks = firstChunk[slots.size()];
        Par.Range body = (lo, hi) -> {
            float[][] fs = null;
            double[][] ds = null;
            int s = slotOf(firstChunk, lo);
            for (int c = lo; c < hi; c++) {
                while (c >= firstChunk[s + 1]) {
                    s++;
                }
                Slot slot = slots.get(s);
                int from = (c - firstChunk[s]) * CHUNK;
                int len = Math.min(CHUNK, slot.n() - from);
                if (slot.p().isFloat()) {
                    if (fs == null) {
                        fs = new float[4][CHUNK];
                    }
                    stepFloat(slot.p().floats(), slot.g().floats(), slot.m().floats(), slot.v().floats(), from, len,
                            fs, decay, bc2Sqrt, stepSize);
                } else {
                    if (ds == null) {
                        ds = new double[4][CHUNK];
                    }
                    stepDouble(slot.p().doubles(), slot.g().doubles(), slot.m().doubles(), slot.v().doubles(), from,
                            len, ds, decay, bc2Sqrt, stepSize);
                }
            }
        };
        if (overlapping(arrays)) {
            // arrays sharing memory (not expected: a tied head appears once) keep the strict order of a serial loop
            body.run(0, chunks);
        } else {
            Par.range(chunks, 12L * CHUNK, body);
        }
    }

    /** The array holding chunk {@code chunk}: firstChunk is strictly increasing, as empty arrays are skipped. */
    private static int slotOf(int[] firstChunk, int chunk) {
        int i = Arrays.binarySearch(firstChunk, chunk);
        return i >= 0 ? i : -i - 2;
    }

    /** True when a written array (p, m, v) shares memory with any other array of the step. */
    static boolean overlapping(List<INDArray[]> arrays) {
        List<long[]> spans = new ArrayList<>();
        for (INDArray[] a : arrays) {
            for (int k = 0; k < a.length; k++) {
                long n = a[k].length();
                if (n == 0) {
                    continue;
                }
                long width = a[k].dataType().width();
                // as Buf.of: the buffer's address pointer already includes the buffer's own offset
                long start = a[k].data().addressPointer().address() + (a[k].offset() - a[k].data().offset()) * width;
                spans.add(new long[] {start, start + n * width, k == 1 ? 0 : 1});
            }
        }
        spans.sort((x, y) -> Long.compare(x[0], y[0]));
        long maxEnd = Long.MIN_VALUE;
        long maxEndWritten = Long.MIN_VALUE;
        for (long[] sp : spans) {
            boolean written = sp[2] == 1;
            if (sp[0] < maxEndWritten || written && sp[0] < maxEnd) {
                return true;
            }
            maxEnd = Math.max(maxEnd, sp[1]);
            if (written) {
                maxEndWritten = Math.max(maxEndWritten, sp[1]);
            }
        }
        return false;
    }

    /**
     * float32 update of elements [from, from + len), staged through the heap arrays {@code st} (p, g, m, v): bulk copies
     * in and out, and the per-element arithmetic of torch's single-tensor AdamW in between.
     */
    private void stepFloat(FloatBuffer fp, FloatBuffer fg, FloatBuffer fm, FloatBuffer fv, int from, int len,
            float[][] st, double decay, double bc2Sqrt, double stepSize) {
        float[] p = st[0];
        float[] g = st[1];
        float[] m = st[2];
        float[] v = st[3];
        fp.get(from, p, 0, len);
        fg.get(from, g, 0, len);
        fm.get(from, m, 0, len);
        fv.get(from, v, 0, len);
        float fDecay = (float) decay;
        float w1 = (float) (1 - beta1);
        float b2 = (float) beta2;
        float w2 = (float) (1 - beta2);
        float fBc2Sqrt = (float) bc2Sqrt;
        float fEps = (float) eps;
        float negStep = (float) -stepSize;
        boolean decayed = weightDecay != 0;
        for (int i = 0; i < len; i++) {
            float gi = g[i];
            float pi = decayed ? p[i] * fDecay : p[i];
            float mi = m[i];
            mi = mi + w1 * (gi - mi); // torch lerp with weight < 0.5
            float vi = v[i] * b2 + w2 * gi * gi;
            float denom = (float) Math.sqrt(vi) / fBc2Sqrt + fEps;
            m[i] = mi;
            v[i] = vi;
            p[i] = pi + negStep * mi / denom;
        }
        fp.put(from, p, 0, len);
        fm.put(from, m, 0, len);
        fv.put(from, v, 0, len);
    }

    /** float64 update of elements [from, from + len), staged like {@link #stepFloat}. */
    private void stepDouble(DoubleBuffer dp, DoubleBuffer dg, DoubleBuffer dm, DoubleBuffer dv, int from, int len,
            double[][] st, double decay, double bc2Sqrt, double stepSize) {
        double[] p = st[0];
        double[] g = st[1];
        double[] m = st[2];
        double[] v = st[3];
        dp.get(from, p, 0, len);
        dg.get(from, g, 0, len);
        dm.get(from, m, 0, len);
        dv.get(from, v, 0, len);
        double w1 = 1 - beta1;
        double w2 = 1 - beta2;
        boolean decayed = weightDecay != 0;
        for (int i = 0; i < len; i++) {
            double gi = g[i];
            double pi = decayed ? p[i] * decay : p[i];
            double mi = m[i];
            mi = mi + w1 * (gi - mi);
            double vi = v[i] * beta2 + w2 * gi * gi;
            double denom = Math.sqrt(vi) / bc2Sqrt + eps;
            m[i] = mi;
            v[i] = vi;
            p[i] = pi + -stepSize * mi / denom;
        }
        dp.put(from, p, 0, len);
        dm.put(from, m, 0, len);
        dv.put(from, v, 0, len);
    }
}
