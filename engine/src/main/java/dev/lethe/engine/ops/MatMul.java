package dev.lethe.engine.ops;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.kernel.Profile;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Matrix products through BLAS GEMM into tape-owned outputs ({@code Nd4j.gemm} into a preallocated buffer is the fast
 * path; {@code mmul} copies and allocates). Supports a 2-D right operand shared across leading batch axes (linear
 * layers) and batched products with equal batch axes, each with optional transposes. Backward rules accumulate with
 * GEMM's beta = 1, so no temporaries are needed.
 */
public final class MatMul {
    private MatMul() {
    }

    public static Tensor matmul(Tape tape, Tensor a, Tensor b) {
        return matmul(tape, a, b, false, false);
    }

    /** op(a) @ op(b) where op transposes the last two axes when asked. a: [..., M, K], b: [K, N] or [..., K, N]. */
    public static Tensor matmul(Tape tape, Tensor a, Tensor b, boolean transA, boolean transB) {
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException("matmul: dtypes differ (" + a.dtype() + " vs " + b.dtype() + ")");
        }
        if (a.rank() < 2 || b.rank() < 2) {
            throw new IllegalArgumentException("matmul needs rank >= 2, got " + Arrays.toString(a.shape()) + " and "
                    + Arrays.toString(b.shape()));
        }
        INDArray av = Views.dense(tape, a.value());
        INDArray bv = Views.dense(tape, b.value());
        int ra = av.rank();
        int rb = bv.rank();
        long m = transA ? av.size(ra - 1) : av.size(ra - 2);
        long k = transA ? av.size(ra - 2) : av.size(ra - 1);
        long kb = transB ? bv.size(rb - 1) : bv.size(rb - 2);
        long n = transB ? bv.size(rb - 2) : bv.size(rb - 1);
        if (k != kb) {
            throw new IllegalArgumentException("matmul: inner sizes differ: " + Arrays.toString(a.shape())
                    + (transA ? "^T" : "") + " @ " + Arrays.toString(b.shape()) + (transB ? "^T" : ""));
        }
        long[] batch = Arrays.copyOf(av.shape(), ra - 2);
        if (rb > 2 && !Arrays.equals(batch, Arrays.copyOf(bv.shape(), rb - 2))) {
            throw new IllegalArgumentException("matmul: batch axes differ: " + Arrays.toString(a.shape()) + " vs "
                    + Arrays.toString(b.shape()));
        }
        long[] outShape = Arrays.copyOf(batch, ra);
        outShape[ra - 2] = m;
        outShape[ra - 1] = n;
        INDArray out = tape.allocate(a.dtype(), outShape);
        long nb = 1;
        for (long s : batch) {
            nb *= s;
        }
        final long batches = nb;
        boolean sharedB = rb == 2;
        boolean flatten = sharedB && !transA;
        if (flatten) {
            Profile.gemm(Views.reshape(av, batches * m, k), bv, Views.reshape(out, batches * m, n), false, transB, 1.0, 0.0);
        } else {
            INDArray a3 = Views.reshape(av, batches, av.size(ra - 2), av.size(ra - 1));
            INDArray b3 = sharedB ? null : Views.reshape(bv, batches, bv.size(rb - 2), bv.size(rb - 1));
            INDArray o3 = Views.reshape(out, batches, m, n);
            for (long i = 0; i < batches; i++) {
                Profile.gemm(a3.slice(i), sharedB ? bv : b3.slice(i), o3.slice(i), transA, transB, 1.0, 0.0);
            }
        }
        return tape.record(out, g -> {
            INDArray gd = Views.dense(tape, g);
            if (flatten) {
                INDArray a2 = Views.reshape(av, batches * m, k);
                INDArray g2 = Views.reshape(gd, batches * m, n);
                if (a.requiresGrad()) {
                    gemmGradA(g2, bv, Views.reshape(tape.gradFor(a), batches * m, k), false, transB);
                }
                if (b.requiresGrad()) {
                    gemmGradB(a2, g2, tape.gradFor(b), false, transB);
                }
                return;
            }
            INDArray a3 = Views.reshape(av, batches, av.size(ra - 2), av.size(ra - 1));
            INDArray b3 = sharedB ? null : Views.reshape(bv, batches, bv.size(rb - 2), bv.size(rb - 1));
            INDArray g3 = Views.reshape(gd, batches, m, n);
            INDArray ga3 = a.requiresGrad() ? Views.reshape(tape.gradFor(a), a3.shape()) : null;
            INDArray gb = b.requiresGrad() ? tape.gradFor(b) : null;
            INDArray gb3 = gb != null && !sharedB ? Views.reshape(gb, b3.shape()) : null;
            for (long i = 0; i < batches; i++) {
                INDArray bi = sharedB ? bv : b3.slice(i);
                if (ga3 != null) {
                    gemmGradA(g3.slice(i), bi, ga3.slice(i), transA, transB);
                }
                if (gb != null) {
                    gemmGradB(a3.slice(i), g3.slice(i), sharedB ? gb : gb3.slice(i), transA, transB);
                }
            }
        }, a, b);
    }

    /** dA += dC op(B)^T (stored as A, i.e. transposed back when transA). */
    private static void gemmGradA(INDArray g, INDArray b, INDArray ga, boolean transA, boolean transB) {
        if (!transA) {
            Profile.gemm(g, b, ga, false, !transB, 1.0, 1.0);
        } else {
            Profile.gemm(b, g, ga, transB, true, 1.0, 1.0);
        }
    }

    /** dB += op(A)^T dC (stored as B). */
    private static void gemmGradB(INDArray a, INDArray g, INDArray gb, boolean transA, boolean transB) {
        if (!transB) {
            Profile.gemm(a, g, gb, !transA, false, 1.0, 1.0);
        } else {
            Profile.gemm(g, a, gb, true, transA, 1.0, 1.0);
        }
    }

    /**
     * A Hugging Face linear layer: x @ W^T + bias, with W stored [out, in] as in nn.Linear (bias may be null).
     * GPT-2's Conv1D stores [in, out]: use {@link #matmul(Tape, Tensor, Tensor)} for it.
     */
    public static Tensor linear(Tape tape, Tensor x, Tensor weight, Tensor bias) {
        Tensor y = matmul(tape, x, weight, false, true);
        return bias == null ? y : Elementwise.add(tape, y, bias);
    }
}
