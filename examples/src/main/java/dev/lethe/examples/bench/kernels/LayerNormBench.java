package dev.lethe.examples.bench.kernels;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.ops.Elementwise;
import dev.lethe.engine.ops.Normalization;
import dev.lethe.engine.ops.Reductions;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.ndarray.INDArray;
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
 * LayerNorm over [B, T, D] with weight and bias: the fused row kernel {@code Normalization.layerNorm} against the
 * composition {@code (x - mean(x)) * rsqrt(mean((x - mean(x))^2) + eps) * w + b}, forward alone and forward + backward
 * (input, weight and bias gradients).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class LayerNormBench {
    @Param({"llama-34m"})
    public String shape;

    private BufferPool pool;
    private Tensor x;
    private Tensor w;
    private Tensor b;
    private INDArray seed;

    @Setup(Level.Trial)
    public void setup() {
        KernelShape s = KernelShape.of(shape);
        pool = new BufferPool();
        x = KernelShape.param(1, 2.0, s.batch(), s.seq(), s.dim());
        w = KernelShape.param(2, 1.0, s.dim());
        b = KernelShape.param(4, 1.0, s.dim());
        seed = KernelShape.uniform(3, 1.0, s.batch(), s.seq(), s.dim());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.clear();
    }

    static Tensor composed(Tape t, Tensor x, Tensor w, Tensor b, double eps) {
        Tensor c = Elementwise.sub(t, x, Reductions.mean(t, x, true, -1));
        Tensor var = Reductions.mean(t, Elementwise.mul(t, c, c), true, -1);
        Tensor y = Elementwise.mul(t, c, Elementwise.rsqrt(t, Elementwise.addScalar(t, var, eps)));
        return Elementwise.add(t, Elementwise.mul(t, y, w), b);
    }

    @Benchmark
    public Object forward_fused() {
        try (Tape t = Tape.inference(pool)) {
            return Normalization.layerNorm(t, x, w, b, 1e-5).value();
        }
    }

    @Benchmark
    public Object forward_unfused() {
        try (Tape t = Tape.inference(pool)) {
            return composed(t, x, w, b, 1e-5).value();
        }
    }

    @Benchmark
    public Object forwardBackward_fused() {
        try (Tape t = Tape.recording(pool)) {
            Tensor y = Normalization.layerNorm(t, x, w, b, 1e-5);
            t.backward(y, seed);
            return y.value();
        }
    }

    @Benchmark
    public Object forwardBackward_unfused() {
        try (Tape t = Tape.recording(pool)) {
            Tensor y = composed(t, x, w, b, 1e-5);
            t.backward(y, seed);
            return y.value();
        }
    }
}
