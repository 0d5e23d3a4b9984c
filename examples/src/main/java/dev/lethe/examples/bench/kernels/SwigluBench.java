package dev.lethe.examples.bench.kernels;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.ops.Elementwise;
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
 * SwiGLU's gating on the MLP activations [B, T, F]: the fused {@code Elementwise.swiglu(gate, up)} against the
 * composition {@code mul(silu(gate), up)}, forward alone and forward + backward (gradients of both inputs).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class SwigluBench {
    @Param({"llama-34m"})
    public String shape;

    private BufferPool pool;
    private Tensor gate;
    private Tensor up;
    private INDArray seed;

    @Setup(Level.Trial)
    public void setup() {
        KernelShape s = KernelShape.of(shape);
        pool = new BufferPool();
        gate = KernelShape.param(1, 3.0, s.batch(), s.seq(), s.ffn());
        up = KernelShape.param(2, 1.0, s.batch(), s.seq(), s.ffn());
        seed = KernelShape.uniform(3, 1.0, s.batch(), s.seq(), s.ffn());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.clear();
    }

    @Benchmark
    public Object forward_fused() {
        try (Tape t = Tape.inference(pool)) {
            return Elementwise.swiglu(t, gate, up).value();
        }
    }

    @Benchmark
    public Object forward_unfused() {
        try (Tape t = Tape.inference(pool)) {
            return Elementwise.mul(t, Elementwise.silu(t, gate), up).value();
        }
    }

    @Benchmark
    public Object forwardBackward_fused() {
        try (Tape t = Tape.recording(pool)) {
            Tensor y = Elementwise.swiglu(t, gate, up);
            t.backward(y, seed);
            return y.value();
        }
    }

    @Benchmark
    public Object forwardBackward_unfused() {
        try (Tape t = Tape.recording(pool)) {
            Tensor y = Elementwise.mul(t, Elementwise.silu(t, gate), up);
            t.backward(y, seed);
            return y.value();
        }
    }
}
