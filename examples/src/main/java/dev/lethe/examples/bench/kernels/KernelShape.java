package dev.lethe.examples.bench.kernels;

import dev.lethe.engine.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The tensor shapes the kernel benchmarks run at. {@code llama-34m} is the training workload of {@code lethe bench
 * train} (batch 8 x 256 tokens, d 512, 8 heads of 64, SwiGLU 1408, vocab 8192, 8 layers, float32) and a decode step
 * of {@code lethe bench generate} (batch 1, 160 cached keys: prompt 32 + 128 new tokens, in a 288-position cache);
 * {@code tiny} is for smoke tests.
 */
public record KernelShape(String name, int batch, int seq, int dim, int ffn, int vocab, int heads, int headDim,
        int layers, int decodeKeys, int decodeCapacity) {
    public static final List<String> NAMES = List.of("llama-34m", "tiny");

    public static KernelShape of(String name) {
        return switch (name) {
            case "llama-34m" -> new KernelShape(name, 8, 256, 512, 1408, 8192, 8, 64, 8, 160, 288);
            case "tiny" -> new KernelShape(name, 2, 16, 32, 48, 64, 2, 16, 1, 12, 20);
            default -> throw new IllegalArgumentException("kernel shape must be one of " + NAMES + ", not '" + name
                    + "'");
        };
    }

    /** Tokens per batch, B * T. */
    public int tokens() {
        return batch * seq;
    }

    /** Shapes of the decoder's parameters (untied head), as AdamW sees them. */
    public List<long[]> parameterShapes() {
        List<long[]> s = new ArrayList<>();
        s.add(new long[] {vocab, dim});
        for (int l = 0; l < layers; l++) {
            s.add(new long[] {dim});
            for (int k = 0; k < 4; k++) {
                s.add(new long[] {dim, dim});
            }
            s.add(new long[] {dim});
            s.add(new long[] {ffn, dim});
            s.add(new long[] {ffn, dim});
            s.add(new long[] {dim, ffn});
        }
        s.add(new long[] {dim});
        s.add(new long[] {vocab, dim});
        return s;
    }

    /** A float32 array of uniform values in [-scale, scale), from a fixed seed. */
    public static INDArray uniform(long seed, double scale, long... shape) {
        INDArray a = Nd4j.createUninitialized(DataType.FLOAT, shape);
        float[] v = new float[(int) a.length()];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        }
        dev.lethe.engine.kernel.Buf.of(a).floats().put(0, v);
        return a;
    }

    /** A float32 parameter (requires a gradient) of uniform values. */
    public static Tensor param(long seed, double scale, long... shape) {
        return Tensor.parameter(uniform(seed, scale, shape));
    }
}
