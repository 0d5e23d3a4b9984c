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
 * RMSNorm over the hidden states [B, T, D] with a weight: the fused row kernel {@code Normalization.rmsNorm} (rows
 * staged through heap arrays) against the composition {@code x * rsqrt(mean(x * x) + eps) * w} of elementwise ops and
 * a reduction, forward alone and forward + backward (input and weight gradients).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class RmsNormBench {
    @Param({"llama-34m"})
    public String shape;

    private BufferPool pool;
    private Tensor x;
    private Tensor w;
    private INDArray seed;

    @Setup(Level.Trial)
    public void setup() {
        KernelShape s = KernelShape.of(shape);
        pool = new BufferPool();
        x = KernelShape.param(1, 2.0, s.batch(), s.seq(), s.dim());
        w = KernelShape.param(2, 1.0, s.dim());
        seed = KernelShape.uniform(3, 1.0, s.batch(), s.seq(), s.dim());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.clear();
    }

    static Tensor composed(Tape t, Tensor x, Tensor w, double eps) {
        Tensor ms = Reductions.mean(t, Elementwise.mul(t, x, x), true, -1);
        Tensor y = Elementwise.mul(t, x, Elementwise.rsqrt(t, Elementwise.addScalar(t, ms, eps)));
        return Elementwise.mul(t, y, w);
    }

    @Benchmark
    public Object forward_fused() {
        try (Tape t = Tape.inference(pool)) {
            return Normalization.rmsNorm(t, x, w, 1e-5, false).value();
        }
    }

    @Benchmark
    public Object forward_unfused() {
        try (Tape t = Tape.inference(pool)) {
            return composed(t, x, w, 1e-5).value();
        }
    }

    @Benchmark
    public Object forwardBackward_fused() {
        try (Tape t = Tape.recording(pool)) {
            Tensor y = Normalization.rmsNorm(t, x, w, 1e-5, false);
            t.backward(y, seed);
            return y.value();
        }
    }

    @Benchmark
    public Object forwardBackward_unfused() {
        try (Tape t = Tape.recording(pool)) {
            Tensor y = composed(t, x, w, 1e-5);
            t.backward(y, seed);
            return y.value();
        }
    }
}
