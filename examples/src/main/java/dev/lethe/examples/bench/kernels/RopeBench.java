package dev.lethe.examples.bench.kernels;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.ops.Elementwise;
import dev.lethe.engine.ops.Rope;
import dev.lethe.engine.ops.Shaping;
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
 * Rotary position embedding of one projection, fed as the model feeds it: the [B, T, H, Dh] projection viewed as
 * [B, H, T, Dh] (no copy), with shared [1, T, Dh/2] cos/sin tables. The fused {@code Rope.apply} against the
 * composition of slices, broadcast products, a difference, a sum and a concat (x1 cos - x2 sin, x2 cos + x1 sin),
 * forward alone and forward + backward.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class RopeBench {
    @Param({"llama-34m"})
    public String shape;

    private BufferPool pool;
    private Tensor x;
    private INDArray cos;
    private INDArray sin;
    private Tensor cos4;
    private Tensor sin4;
    private INDArray seed;
    private int rotary;

    @Setup(Level.Trial)
    public void setup() {
        KernelShape s = KernelShape.of(shape);
        pool = new BufferPool();
        rotary = s.headDim();
        int half = rotary / 2;
        x = Tensor.parameter(KernelShape.uniform(1, 1.0, s.batch(), s.seq(), s.heads(), s.headDim())
                .permute(0, 2, 1, 3));
        cos = KernelShape.uniform(2, 1.0, 1, s.seq(), half);
        sin = KernelShape.uniform(3, 1.0, 1, s.seq(), half);
        cos4 = Tensor.constant(cos.reshape(1, 1, s.seq(), half));
        sin4 = Tensor.constant(sin.reshape(1, 1, s.seq(), half));
        seed = KernelShape.uniform(4, 1.0, s.batch(), s.heads(), s.seq(), s.headDim());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.clear();
    }

    private Tensor composed(Tape t) {
        int half = rotary / 2;
        Tensor x1 = Shaping.slice(t, x, 3, 0, half);
        Tensor x2 = Shaping.slice(t, x, 3, half, rotary);
        Tensor o1 = Elementwise.sub(t, Elementwise.mul(t, x1, cos4), Elementwise.mul(t, x2, sin4));
        Tensor o2 = Elementwise.add(t, Elementwise.mul(t, x2, cos4), Elementwise.mul(t, x1, sin4));
        return Shaping.concat(t, 3, o1, o2);
    }

    @Benchmark
    public Object forward_fused() {
        try (Tape t = Tape.inference(pool)) {
            return Rope.apply(t, x, cos, sin, rotary).value();
        }
    }

    @Benchmark
    public Object forward_unfused() {
        try (Tape t = Tape.inference(pool)) {
            return composed(t).value();
        }
    }

    @Benchmark
    public Object forwardBackward_fused() {
        try (Tape t = Tape.recording(pool)) {
            Tensor y = Rope.apply(t, x, cos, sin, rotary);
            t.backward(y, seed);
            return y.value();
        }
    }

    @Benchmark
    public Object forwardBackward_unfused() {
        try (Tape t = Tape.recording(pool)) {
            Tensor y = composed(t);
            t.backward(y, seed);
            return y.value();
        }
    }
}
