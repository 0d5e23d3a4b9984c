package dev.lethe.examples.bench.kernels;

import dev.lethe.engine.kernel.RowKernels;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The engine's float32 row kernels (kernel.RowKernels) on one row each, Vector API ({@code _vector}, the
 * implementation in use when the JVM has {@code jdk.incubator.vector}) against the plain loops ({@code _scalar}, the
 * fallback; same bits): a vocabulary row's log-sum-exp and log-prob gradient, an attention row's softmax, a SwiGLU
 * chunk forward and backward. Rows are copied from a fixed source before each in-place kernel, in both variants.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RowKernelsBench {
    @Param({"llama-34m"})
    public String shape;

    private final RowKernels.Impl vector = RowKernels.impl();
    private final RowKernels.Impl scalar = RowKernels.scalar();
    private float[] logits;
    private float[] scores;
    private float[] gate;
    private float[] up;
    private float[] gy;
    private float[] work;
    private float[] accGate;
    private float[] accUp;

    @Setup(Level.Trial)
    public void setup() {
        KernelShape s = KernelShape.of(shape);
        Random rng = new Random(1);
        logits = gaussian(rng, s.vocab(), 3.0);
        scores = gaussian(rng, s.seq(), 3.0);
        gate = gaussian(rng, 2048, 3.0);
        up = gaussian(rng, 2048, 1.0);
        gy = gaussian(rng, 2048, 1.0);
        work = new float[Math.max(s.vocab(), 2048)];
        accGate = new float[2048];
        accUp = new float[2048];
        if (!RowKernels.vectorized()) {
            throw new IllegalStateException("RowKernelsBench needs the JVM option --add-modules jdk.incubator.vector");
        }
    }

    private static float[] gaussian(Random rng, int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (scale * rng.nextGaussian());
        }
        return x;
    }

    private static double logSumExp(RowKernels.Impl k, float[] x) {
        double max = k.max(x, x.length);
        return max + Math.log(k.sumExp(x, x.length, max));
    }

    private float[] logProbGrad(RowKernels.Impl k) {
        System.arraycopy(logits, 0, work, 0, logits.length);
        k.scaledExpInPlace(work, logits.length, 12.0, -0.5);
        return work;
    }

    private double softmax(RowKernels.Impl k) {
        System.arraycopy(scores, 0, work, 0, scores.length);
        return k.expInPlace(work, scores.length, k.max(work, scores.length));
    }

    @Benchmark
    public double logSumExp_vector() {
        return logSumExp(vector, logits);
    }

    @Benchmark
    public double logSumExp_scalar() {
        return logSumExp(scalar, logits);
    }

    @Benchmark
    public float[] logProbGrad_vector() {
        return logProbGrad(vector);
    }

    @Benchmark
    public float[] logProbGrad_scalar() {
        return logProbGrad(scalar);
    }

    @Benchmark
    public double attentionSoftmax_vector() {
        return softmax(vector);
    }

    @Benchmark
    public double attentionSoftmax_scalar() {
        return softmax(scalar);
    }

    @Benchmark
    public float[] swiglu_vector() {
        vector.swiglu(gate, up, work, 2048);
        return work;
    }

    @Benchmark
    public float[] swiglu_scalar() {
        scalar.swiglu(gate, up, work, 2048);
        return work;
    }

    @Benchmark
    public float[] swigluGrad_vector() {
        vector.swigluGrad(gy, gate, up, accGate, accUp, 2048);
        return accGate;
    }

    @Benchmark
    public float[] swigluGrad_scalar() {
        scalar.swigluGrad(gy, gate, up, accGate, accUp, 2048);
        return accGate;
    }
}
