package dev.lethe.examples.bench.kernels;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.ops.Attention;
import dev.lethe.engine.ops.Elementwise;
import dev.lethe.engine.ops.Indexing;
import dev.lethe.engine.ops.MatMul;
import dev.lethe.engine.ops.Shaping;
import dev.lethe.engine.ops.Softmax;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
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
 * Causal self-attention of one layer, q, k, v [B, H, T, Dh]: {@code Attention.causalSelfAttention} (per-head GEMMs with
 * the causal softmax applied in place on the scores, probabilities kept for backward) against the composition
 * {@code matmul(softmax(maskedFill(matmul(q, k^T) * scale, causal, -inf)), v)} of batched matmuls, a masked fill and
 * the row softmax, forward alone and forward + backward. Both are dominated by their GEMMs; the difference is the
 * softmax, the mask and the extra [B, H, T, T] passes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class AttentionBench {
    @Param({"llama-34m"})
    public String shape;

    private BufferPool pool;
    private Tensor q;
    private Tensor k;
    private Tensor v;
    private Tensor causal;
    private INDArray seed;
    private double scale;

    @Setup(Level.Trial)
    public void setup() {
        KernelShape s = KernelShape.of(shape);
        pool = new BufferPool();
        long[] qkv = {s.batch(), s.heads(), s.seq(), s.headDim()};
        q = KernelShape.param(1, 1.0, qkv);
        k = KernelShape.param(2, 1.0, qkv);
        v = KernelShape.param(3, 1.0, qkv);
        INDArray mask = Nd4j.zeros(DataType.FLOAT, s.seq(), s.seq());
        for (int i = 0; i < s.seq(); i++) {
            for (int j = i + 1; j < s.seq(); j++) {
                mask.putScalar(i, j, 1f);
            }
        }
        causal = Tensor.constant(mask);
        seed = KernelShape.uniform(4, 1.0, s.batch(), s.seq(), s.heads(), s.headDim());
        scale = 1.0 / Math.sqrt(s.headDim());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.clear();
    }

    private Tensor composed(Tape t) {
        Tensor scores = Elementwise.mulScalar(t, MatMul.matmul(t, q, k, false, true), scale);
        Tensor p = Softmax.softmax(t, Indexing.maskedFill(t, scores, causal, Double.NEGATIVE_INFINITY));
        return Shaping.permute(t, MatMul.matmul(t, p, v), 0, 2, 1, 3);
    }

    @Benchmark
    public Object forward_fused() {
        try (Tape t = Tape.inference(pool)) {
            return Attention.causalSelfAttention(t, q, k, v, null, scale).value();
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
            Tensor y = Attention.causalSelfAttention(t, q, k, v, null, scale);
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
