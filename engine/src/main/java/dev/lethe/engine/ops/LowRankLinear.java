package dev.lethe.engine.ops;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.kernel.Profile;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A linear layer with a low-rank update in one output buffer, y = x op(W) + s (x_a A^T) B^T (LoRA, arXiv 2106.09685
 * eq. 3; op(W) = W^T for nn.Linear's [out, in], W for Conv1D's [in, out]), without forming W + s B A and without
 * keeping the [N, out] low-rank product as a tensor of its own: the base product is written, then s u B^T is added
 * into it by GEMM with beta = 1 (u = x_a A^T, [N, r], is kept for backward). x_a is the adapter's input (x itself, or
 * x after dropout). Backward: dW += g^T x, dA += s (g B)^T x_a, dB += s g^T u, dx += g op(W)^T, dx_a += s (g B) A.
 *
 * <p>A frozen W may be stored in bf16 or f16 (half the memory) while x is float32: it is widened exactly into a float32
 * scratch array just before each product that reads it (forward, and backward's dx) and given back to the tape's pool
 * right after, so one widened copy per weight size lives at a time and the tape keeps only the 16-bit array (ND4J's
 * bf16 GEMM is a slow scalar loop; the widened GEMM computes exactly what a float32 W holding the rounded values
 * computes).
 */
public final class LowRankLinear {
    private LowRankLinear() {
    }

    public static Tensor apply(Tape tape, Tensor x, Tensor w, boolean inputFirst, Tensor xa, Tensor a, Tensor b,
            double s) {
        long in = x.size(-1);
        long out = inputFirst ? w.size(1) : w.size(0);
        long r = a.size(0);
        if ((inputFirst ? w.size(0) : w.size(1)) != in || a.size(1) != in || b.size(0) != out || b.size(1) != r
                || !Arrays.equals(x.shape(), xa.shape())) {
            throw new IllegalArgumentException("low-rank linear: shapes do not fit: x " + Arrays.toString(x.shape())
                    + ", W " + Arrays.toString(w.shape()) + ", A " + Arrays.toString(a.shape()) + ", B "
                    + Arrays.toString(b.shape()));
        }
        boolean narrow = isNarrow(w.value().dataType()) && x.dtype() == DataType.FLOAT;
        if (w.value().dataType() != x.dtype() && !narrow) {
            throw new IllegalArgumentException("low-rank linear: W is " + w.value().dataType() + " but x is "
                    + x.dtype()
                    + " (a 16-bit W needs a float32 x)");
        }
        if (narrow && w.requiresGrad() && tape.isRecording()) {
            throw new IllegalArgumentException("low-rank linear: W is stored in " + w.value().dataType() + " and"
                    + " cannot train; freeze it (requiresGrad false) or keep it in float32");
        }
        long n = x.length() / in;
        INDArray x2 = Views.reshape(Views.dense(tape, x.value()), n, in);
        INDArray xa2 = xa == x ? x2 : Views.reshape(Views.dense(tape, xa.value()), n, in);
        INDArray wStored = narrow ? w.value() : Views.dense(tape, w.value());
        INDArray av = Views.dense(tape, a.value());
        INDArray bv = Views.dense(tape, b.value());
        long[] outShape = x.shape().clone();
        outShape[outShape.length - 1] = out;
        INDArray y = tape.allocate(x.dtype(), outShape);
        INDArray y2 = Views.reshape(y, n, out);
        INDArray u = tape.allocate(x.dtype(), n, r);
        INDArray wv = widened(tape, wStored, narrow);
        Profile.gemm(x2, wv, y2, false, !inputFirst, 1.0, 0.0);
        release(tape, wv, narrow);
        Profile.gemm(xa2, av, u, false, true, 1.0, 0.0);
        Profile.gemm(u, bv, y2, false, true, s, 1.0);
        return tape.record(y, g -> {
            INDArray g2 = Views.reshape(Views.dense(tape, g), n, out);
            if (w.requiresGrad()) {
                if (inputFirst) {
                    Profile.gemm(x2, g2, tape.gradFor(w), true, false, 1.0, 1.0);
                } else {
                    Profile.gemm(g2, x2, tape.gradFor(w), true, false, 1.0, 1.0);
                }
            }
            if (x.requiresGrad()) {
                INDArray wb = widened(tape, wStored, narrow);
                Profile.gemm(g2, wb, Views.reshape(tape.gradFor(x), n, in), false, inputFirst, 1.0, 1.0);
                release(tape, wb, narrow);
            }
            if (b.requiresGrad()) {
                Profile.gemm(g2, u, tape.gradFor(b), true, false, s, 1.0);
            }
            if (a.requiresGrad() || xa.requiresGrad()) {
                INDArray gb = tape.allocate(x.dtype(), n, r);
                Profile.gemm(g2, bv, gb, false, false, 1.0, 0.0);
                if (a.requiresGrad()) {
                    Profile.gemm(gb, xa2, tape.gradFor(a), true, false, s, 1.0);
                }
                if (xa.requiresGrad()) {
                    Profile.gemm(gb, av, Views.reshape(tape.gradFor(xa), n, in), false, false, s, 1.0);
                }
            }
        }, x, w, xa, a, b);
    }

    /** True for the 16-bit storage types a frozen W may have (bf16, f16). */
    public static boolean isNarrow(DataType t) {
        return t == DataType.BFLOAT16 || t == DataType.HALF;
    }

    /**
     * A float32 copy of a 16-bit W (exact: every bf16 and f16 value is a float32 value) in a scratch buffer of the
     * tape's pool, else W itself. ND4J frees an array only when the GC collects it, so a fresh copy per product would
     * pile up off-heap; the pool hands the same buffer to the next layer of that size.
     */
    private static INDArray widened(Tape tape, INDArray w, boolean narrow) {
        if (!narrow) {
            return w;
        }
        INDArray flat = tape.pool().take(DataType.FLOAT, w.length());
        flat.assign(w.reshape(w.length()));
        return flat.reshape('c', w.shape());
    }

    /** Gives a widened scratch buffer back to the pool right after its product. */
    private static void release(Tape tape, INDArray widened, boolean narrow) {
        if (narrow) {
            tape.pool().give(widened.reshape(widened.length()));
        }
    }
}
