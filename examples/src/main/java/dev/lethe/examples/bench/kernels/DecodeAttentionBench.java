package dev.lethe.examples.bench.kernels;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.ops.Attention;
import dev.lethe.engine.ops.Elementwise;
import dev.lethe.engine.ops.MatMul;
import dev.lethe.engine.ops.Softmax;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
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
 * One decoding step's attention for one layer: a single query per head against the filled part of a KV cache (strided
 * views [B, H, Tk, Dh] into [B, H, capacity, Dh] buffers), inference only. {@code Attention.attention} takes its
 * one-query path (scores, softmax and weighted sum per head in Java, straight from the cache views) against the
 * composition {@code matmul(softmax(matmul(q, k^T) * scale), v)} (dense copies of the views, batched GEMMs).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class DecodeAttentionBench {
    @Param({"llama-34m"})
    public String shape;

    private BufferPool pool;
    private Tensor q;
    private Tensor k;
    private Tensor v;
    private double scale;

    @Setup(Level.Trial)
    public void setup() {
        KernelShape s = KernelShape.of(shape);
        pool = new BufferPool();
        int b = 1;
        q = Tensor.constant(KernelShape.uniform(1, 1.0, b, s.heads(), 1, s.headDim()));
        INDArray kc = KernelShape.uniform(2, 1.0, b, s.heads(), s.decodeCapacity(), s.headDim());
        INDArray vc = KernelShape.uniform(3, 1.0, b, s.heads(), s.decodeCapacity(), s.headDim());
        k = Tensor.constant(kc.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, s.decodeKeys()),
                NDArrayIndex.all()));
        v = Tensor.constant(vc.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, s.decodeKeys()),
                NDArrayIndex.all()));
        scale = 1.0 / Math.sqrt(s.headDim());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.clear();
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
            Tensor scores = Elementwise.mulScalar(t, MatMul.matmul(t, q, k, false, true), scale);
            return MatMul.matmul(t, Softmax.softmax(t, scores), v).value();
        }
    }
}
