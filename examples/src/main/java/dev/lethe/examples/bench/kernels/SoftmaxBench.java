package dev.lethe.examples.bench.kernels;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.ops.Elementwise;
import dev.lethe.engine.ops.Reductions;
import dev.lethe.engine.ops.Softmax;
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
 * Row softmax over attention scores [B * H, T, T] (one layer's worth): the fused row kernel {@code Softmax.softmax}
 * against the composition {@code exp(x - max(x)) / sum(exp(x - max(x)))} of a reduction and elementwise ops, forward
 * alone and forward + backward. (Attention's own masked in-place softmax is measured inside {@link AttentionBench}.)
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class SoftmaxBench {
    @Param({"llama-34m"})
    public String shape;

    private BufferPool pool;
    private Tensor scores;
    private INDArray seed;

    @Setup(Level.Trial)
    public void setup() {
        KernelShape s = KernelShape.of(shape);
        pool = new BufferPool();
        scores = KernelShape.param(1, 4.0, (long) s.batch() * s.heads(), s.seq(), s.seq());
        seed = KernelShape.uniform(3, 1.0, (long) s.batch() * s.heads(), s.seq(), s.seq());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.clear();
    }

    static Tensor composed(Tape t, Tensor x) {
        Tensor e = Elementwise.exp(t, Elementwise.sub(t, x, Reductions.max(t, x, -1, true)));
        return Elementwise.div(t, e, Reductions.sum(t, e, true, -1));
    }

    @Benchmark
    public Object forward_fused() {
        try (Tape t = Tape.inference(pool)) {
            return Softmax.softmax(t, scores).value();
        }
    }

    @Benchmark
    public Object forward_unfused() {
        try (Tape t = Tape.inference(pool)) {
            return composed(t, scores).value();
        }
    }

    @Benchmark
    public Object forwardBackward_fused() {
        try (Tape t = Tape.recording(pool)) {
            Tensor y = Softmax.softmax(t, scores);
            t.backward(y, seed);
            return y.value();
        }
    }

    @Benchmark
    public Object forwardBackward_unfused() {
        try (Tape t = Tape.recording(pool)) {
            Tensor y = composed(t, scores);
            t.backward(y, seed);
            return y.value();
        }
    }
}
