package dev.lethe.optim;

import dev.lethe.engine.ParameterSet;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.engine.kernel.Loops;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * AdamW (Loshchilov and Hutter, arXiv 1711.05101, Algorithm 2) with exactly the arithmetic of torch.optim.AdamW's
 * single-tensor path: decoupled weight decay first ({@code p *= 1 - lr*wd}), then {@code m.lerp_(g, 1-beta1)},
 * {@code v = v*beta2 + (1-beta2)*g*g}, {@code denom = sqrt(v)/sqrt(1-beta2^t) + eps} and
 * {@code p += (-lr/(1-beta1^t)) * m / denom}. Scalars are computed in double and rounded to the parameter's dtype
 * before the elementwise work, which runs in that dtype (float32 for float32 parameters), as PyTorch does on CPU. One
 * fused loop per parameter array; state is {@code exp_avg} and {@code exp_avg_sq}.
 */
public final class AdamW implements Optimizer {
    private double lr;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private long steps;
    private ParameterSet expAvg;
    private ParameterSet expAvgSq;

    public AdamW(double lr, double beta1, double beta2, double eps, double weightDecay) {
        this.lr = lr;
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
    public void step(ParameterSet params, ParameterSet direction) {
        if (expAvg == null) {
            expAvg = params.zerosLike();
            expAvgSq = params.zerosLike();
        }
        steps++;
        double decay = 1 - lr * weightDecay;
        double bc1 = 1 - Math.pow(beta1, steps);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, steps));
        double stepSize = lr / bc1;
        for (Map.Entry<String, INDArray> e : params) {
            String name = e.getKey();
            INDArray p = e.getValue();
            INDArray g = direction.get(name);
            INDArray m = expAvg.get(name);
            INDArray v = expAvgSq.get(name);
            requireContiguous(name, p, g, m, v);
            Buf bp = Buf.of(p);
            Buf bg = Buf.of(g);
            Buf bm = Buf.of(m);
            Buf bv = Buf.of(v);
            int n = (int) p.length();
            if (bp.isFloat()) {
                stepFloat(bp.floats(), bg.floats(), bm.floats(), bv.floats(), n, decay, bc2Sqrt, stepSize);
            } else {
                stepDouble(bp.doubles(), bg.doubles(), bm.doubles(), bv.doubles(), n, decay, bc2Sqrt, stepSize);
            }
        }
    }

    private void stepFloat(FloatBuffer p, FloatBuffer g, FloatBuffer m, FloatBuffer v, int n, double decay,
            double bc2Sqrt, double stepSize) {
        float fDecay = (float) decay;
        float w1 = (float) (1 - beta1);
        float b2 = (float) beta2;
        float w2 = (float) (1 - beta2);
        float fBc2Sqrt = (float) bc2Sqrt;
        float fEps = (float) eps;
        float negStep = (float) -stepSize;
        boolean decayed = weightDecay != 0;
        for (int i = 0; i < n; i++) {
            float gi = g.get(i);
            float pi = decayed ? p.get(i) * fDecay : p.get(i);
            float mi = m.get(i);
            mi = mi + w1 * (gi - mi); // torch lerp with weight < 0.5
            float vi = v.get(i) * b2 + w2 * gi * gi;
            float denom = (float) Math.sqrt(vi) / fBc2Sqrt + fEps;
            m.put(i, mi);
            v.put(i, vi);
            p.put(i, pi + negStep * mi / denom);
        }
    }

    private void stepDouble(DoubleBuffer p, DoubleBuffer g, DoubleBuffer m, DoubleBuffer v, int n, double decay,
            double bc2Sqrt, double stepSize) {
        double w1 = 1 - beta1;
        double w2 = 1 - beta2;
        for (int i = 0; i < n; i++) {
            double gi = g.get(i);
            double pi = weightDecay != 0 ? p.get(i) * decay : p.get(i);
            double mi = m.get(i);
            mi = mi + w1 * (gi - mi);
            double vi = v.get(i) * beta2 + w2 * gi * gi;
            double denom = Math.sqrt(vi) / bc2Sqrt + eps;
            m.put(i, mi);
            v.put(i, vi);
            p.put(i, pi + -stepSize * mi / denom);
        }
    }

    static void requireContiguous(String name, INDArray... arrays) {
        for (INDArray a : arrays) {
            if (!Loops.isContiguous(a) || a.dataType() != arrays[0].dataType()) {
                throw new IllegalArgumentException("optimizer needs contiguous arrays of one dtype at '" + name + "'");
            }
        }
    }

    @Override
    public double learningRate() {
        return lr;
    }

    @Override
    public void setLearningRate(double lr) {
        this.lr = lr;
    }

    @Override
    public long steps() {
        return steps;
    }

    @Override
    public Map<String, ParameterSet> state() {
        Map<String, ParameterSet> s = new LinkedHashMap<>();
        if (expAvg != null) {
            s.put("exp_avg", expAvg);
            s.put("exp_avg_sq", expAvgSq);
        }
        return s;
    }

    @Override
    public void loadState(ParameterSet params, long steps, Map<String, ParameterSet> state) {
        this.steps = steps;
        if (steps == 0) {
            expAvg = null;
            expAvgSq = null;
            return;
        }
        expAvg = params.zerosLike().assign(state.get("exp_avg"));
        expAvgSq = params.zerosLike().assign(state.get("exp_avg_sq"));
    }
}
