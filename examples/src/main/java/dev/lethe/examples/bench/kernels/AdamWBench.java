package dev.lethe.examples.bench.kernels;

import dev.lethe.engine.ParameterSet;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.optim.AdamW;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One AdamW step over all parameters of the decoder (llama-34m: 34.1 M float32 values in 75 arrays): the optimizer's
 * {@code AdamW.step} (one pass over heap-staged chunks split over two threads) against the per-element loop over the
 * arrays' off-heap buffers that it replaced ({@code scalarLoop}, one thread) and against the same update written as
 * ND4J array ops ({@code unfused}: about ten whole-array ops per parameter, one scratch array). All three compute
 * torch's single-tensor AdamW; the state each keeps is its own.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class AdamWBench {
    @Param({"llama-34m"})
    public String shape;

    private static final double LR = 1e-5;
    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPS = 1e-8;
    private static final double WD = 0.01;

    private ParameterSet params;
    private ParameterSet grads;
    private AdamW adamw;
    private List<INDArray[]> state;
    private long steps;

    @Setup(Level.Trial)
    public void setup() {
        KernelShape s = KernelShape.of(shape);
        Map<String, INDArray> p = new LinkedHashMap<>();
        Map<String, INDArray> g = new LinkedHashMap<>();
        int i = 0;
        for (long[] sh : s.parameterShapes()) {
            p.put("p" + i, KernelShape.uniform(10 + i, 0.02, sh));
            g.put("p" + i, KernelShape.uniform(1000 + i, 0.01, sh));
            i++;
        }
        params = ParameterSet.of(p);
        grads = ParameterSet.of(g);
        adamw = new AdamW(LR, BETA1, BETA2, EPS, WD);
        steps = 0;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        params = null;
        grads = null;
        adamw = null;
        state = null;
    }

    /** exp_avg, exp_avg_sq and a scratch array per parameter, made on first use (warm-up pays for it). */
    private List<INDArray[]> state() {
        if (state == null) {
            state = new ArrayList<>();
            for (Map.Entry<String, INDArray> e : params) {
                INDArray p = e.getValue();
                state.add(new INDArray[] {p.ulike().assign(0), p.ulike().assign(0), p.ulike()});
            }
        }
        return state;
    }

    @Benchmark
    public Object step_fused() {
        adamw.step(params, grads);
        return params;
    }

    /** The loop AdamW ran before it was staged: FloatBuffer get/put per element, one array after another. */
    @Benchmark
    public Object step_scalarLoop() {
        List<INDArray[]> st = state();
        steps++;
        double decay = 1 - LR * WD;
        double bc1 = 1 - Math.pow(BETA1, steps);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(BETA2, steps));
        double stepSize = LR / bc1;
        float fDecay = (float) decay;
        float w1 = (float) (1 - BETA1);
        float b2 = (float) BETA2;
        float w2 = (float) (1 - BETA2);
        float fBc2Sqrt = (float) bc2Sqrt;
        float fEps = (float) EPS;
        float negStep = (float) -stepSize;
        int k = 0;
        for (Map.Entry<String, INDArray> e : params) {
            FloatBuffer p = Buf.of(e.getValue()).floats();
            FloatBuffer g = Buf.of(grads.get(e.getKey())).floats();
            FloatBuffer m = Buf.of(st.get(k)[0]).floats();
            FloatBuffer v = Buf.of(st.get(k)[1]).floats();
            k++;
            int n = (int) e.getValue().length();
            for (int i = 0; i < n; i++) {
                float gi = g.get(i);
                float pi = p.get(i) * fDecay;
                float mi = m.get(i);
                mi = mi + w1 * (gi - mi);
                float vi = v.get(i) * b2 + w2 * gi * gi;
                float denom = (float) Math.sqrt(vi) / fBc2Sqrt + fEps;
                m.put(i, mi);
                v.put(i, vi);
                p.put(i, pi + negStep * mi / denom);
            }
        }
        return params;
    }

    /** The update as whole-array ND4J ops (each a native call over the array), in place with one scratch array. */
    @Benchmark
    public Object step_unfused() {
        List<INDArray[]> st = state();
        steps++;
        double bc1 = 1 - Math.pow(BETA1, steps);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(BETA2, steps));
        double stepSize = LR / bc1;
        int k = 0;
        for (Map.Entry<String, INDArray> e : params) {
            INDArray p = e.getValue();
            INDArray g = grads.get(e.getKey());
            INDArray m = st.get(k)[0];
            INDArray v = st.get(k)[1];
            INDArray tmp = st.get(k)[2];
            k++;
            p.muli(1 - LR * WD);
            m.muli(BETA1).addi(tmp.assign(g).muli(1 - BETA1));
            v.muli(BETA2).addi(tmp.assign(g).muli(g).muli(1 - BETA2));
            Transforms.sqrt(tmp.assign(v), false).divi(bc2Sqrt).addi(EPS);
            p.addi(tmp.rdivi(m).muli(-stepSize));
        }
        return params;
    }
}
