package dev.lethe.examples.bench.kernels;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.ops.Indexing;
import dev.lethe.engine.ops.Shaping;
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
 * Next-token log-probabilities from the logits [B, T, V] (every loss's first step): the fused
 * {@code Softmax.shiftedTokenLogProbs} against {@code tokenLogProbs(slice(logits, 1, 0, T-1))} (log-softmax + gather
 * fused, but a [B, T-1, V] slice gradient materialised and added back) and against the full composition
 * {@code gatherLast(logSoftmax(slice(...)))} (a [B, T-1, V] log-softmax stored), forward alone and forward + backward.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class LogProbsBench {
    @Param({"llama-34m"})
    public String shape;

    private BufferPool pool;
    private Tensor logits;
    private int[] targets;
    private INDArray seed;
    private int seq;

    @Setup(Level.Trial)
    public void setup() {
        KernelShape s = KernelShape.of(shape);
        pool = new BufferPool();
        seq = s.seq();
        logits = KernelShape.param(1, 4.0, s.batch(), s.seq(), s.vocab());
        targets = new int[s.batch() * (s.seq() - 1)];
        for (int i = 0; i < targets.length; i++) {
            targets[i] = (int) ((i * 2654435761L) % s.vocab());
        }
        seed = KernelShape.uniform(3, 1.0, s.batch(), s.seq() - 1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.clear();
    }

    private Tensor unfused(Tape t) {
        return Softmax.tokenLogProbs(t, Shaping.slice(t, logits, 1, 0, seq - 1), targets, null);
    }

    private Tensor composed(Tape t) {
        return Indexing.gatherLast(t, Softmax.logSoftmax(t, Shaping.slice(t, logits, 1, 0, seq - 1)), targets);
    }

    @Benchmark
    public Object forward_fused() {
        try (Tape t = Tape.inference(pool)) {
            return Softmax.shiftedTokenLogProbs(t, logits, targets, null).value();
        }
    }

    @Benchmark
    public Object forward_unfused() {
        try (Tape t = Tape.inference(pool)) {
            return unfused(t).value();
        }
    }

    @Benchmark
    public Object forward_composed() {
        try (Tape t = Tape.inference(pool)) {
            return composed(t).value();
        }
    }

    @Benchmark
    public Object forwardBackward_fused() {
        try (Tape t = Tape.recording(pool)) {
            Tensor y = Softmax.shiftedTokenLogProbs(t, logits, targets, null);
            t.backward(y, seed);
            return y.value();
        }
    }

    @Benchmark
    public Object forwardBackward_unfused() {
        try (Tape t = Tape.recording(pool)) {
            Tensor y = unfused(t);
            t.backward(y, seed);
            return y.value();
        }
    }

    @Benchmark
    public Object forwardBackward_composed() {
        try (Tape t = Tape.recording(pool)) {
            Tensor y = composed(t);
            t.backward(y, seed);
            return y.value();
        }
    }
}
