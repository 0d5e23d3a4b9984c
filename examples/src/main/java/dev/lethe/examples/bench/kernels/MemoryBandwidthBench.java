package dev.lethe.examples.bench.kernels;

import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas_nolapack;
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
 * The machine's memory bandwidth as a STREAM-like measure, over as many float32 values as the shape's decoder has
 * parameters (llama-34m: 34.1 M values, 136 MB, far beyond the caches): {@code read} sums them with OpenBLAS's
 * vectorised {@code sasum} (one read stream: what a batch-1 decode step does with the weights), {@code copy} copies
 * them with {@code memcpy} (STREAM's copy: one read and one write stream). A batch-1 decode step cannot run faster than
 * the weights' bytes divided by the read bandwidth; {@code bench generate} reports the step time to compare.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class MemoryBandwidthBench {
    @Param({"llama-34m"})
    public String shape;

    private FloatPointer a;
    private FloatPointer b;
    private long n;

    @Setup(Level.Trial)
    public void setup() {
        n = KernelBench.parameters(KernelShape.of(shape));
        a = new FloatPointer(n);
        b = new FloatPointer(n);
        for (long i = 0; i < n; i++) {
            a.put(i, (float) (i % 1000) * 1e-3f);
        }
        Pointer.memset(b, 0, n * 4);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        a.close();
        b.close();
    }

    @Benchmark
    public float read_sasum() {
        return openblas_nolapack.cblas_sasum((int) n, a, 1);
    }

    @Benchmark
    public Pointer copy_memcpy() {
        return Pointer.memcpy(b, a, n * 4);
    }
}
