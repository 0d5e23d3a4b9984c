package dev.lethe.engine.ops;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.engine.kernel.Par;
import dev.lethe.engine.kernel.Walk;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Losses between detached target distributions q and a model's distributions p = softmax(z / T), row by row over the
 * last axis and weighted per row: the cross-entropy sum_r w_r H(q_r, p_r) and the divergence sum_r w_r KL(q_r || p_r)
 * of distillation and of UNDIAL, CE-U and KL-to-reference unlearning. A row of weight 0 is skipped (its gradient is 0).
 *
 * <p>Fused: no [.., V] array is made, forward or backward. Each row is computed in double precision from the two
 * logit arrays (which may be strided views) and its two log-sum-exps, saved for the backward rule, which adds
 * g w_r (p_r - q_r) / T straight into the logits' gradient (the gradient of both losses, as q sums to 1). The target
 * logits get no gradient.
 */
public final class SoftTargets {
    private SoftTargets() {
    }

    /**
     * The target distribution of every row, q_r = softmax((a_r + shift e_{index[r]}) / T) for target logits
     * {@code a} [.., V]: one entry per row moved by {@code shift} (a negative {@code index[r]}: none; shift -infinity
     * removes the entry, whose probability becomes 0). {@code index} may be null (no entry moved).
     */
    public record Target(INDArray logits, int[] index, double shift) {
        /** q_r = softmax(a_r / T). */
        public static Target softmaxOf(INDArray logits) {
            return new Target(logits, null, 0.0);
        }

        /** q_r = softmax(a_r - amount e_{index[r]}): the entry {@code index[r]} lowered by {@code amount}. */
        public static Target lowered(INDArray logits, int[] index, double amount) {
            return new Target(logits, index, -amount);
        }

        /** q_r = softmax(a_r) without entry {@code index[r]} (that entry's logit set to -infinity). */
        public static Target without(INDArray logits, int[] index) {
            return new Target(logits, index, Double.NEGATIVE_INFINITY);
        }
    }

    /** sum_r w_r H(q_r, softmax(z_r)) = -sum_r w_r sum_v q_rv log softmax(z_r)_v, as a tensor of shape [1]. */
    public static Tensor crossEntropy(Tape tape, Target q, Tensor logits, double[] rowWeights) {
        return rowwise(tape, q, logits, 1.0, rowWeights, false);
    }

    /** sum_r w_r KL(q_r || softmax(z_r)), as a tensor of shape [1]. */
    public static Tensor klDivergence(Tape tape, Target q, Tensor logits, double[] rowWeights) {
        return rowwise(tape, q, logits, 1.0, rowWeights, true);
    }

    /**
     * sum_r w_r KL(q_r || softmax(z_r / T)) with the target at the same temperature, q_r = softmax((a_r + shift
     * e_{index[r]}) / T) (distillation's softened distributions).
     */
    public static Tensor klDivergence(Tape tape, Target q, Tensor logits, double temperature, double[] rowWeights) {
        return rowwise(tape, q, logits, temperature, rowWeights, true);
    }

    private static Tensor rowwise(Tape tape, Target q, Tensor logits, double temperature, double[] w, boolean kl) {
        INDArray zv = logits.value();
        INDArray av = q.logits();
        long[] shape = zv.shape();
        if (!Arrays.equals(shape, av.shape())) {
            throw new IllegalArgumentException("SoftTargets: target logits " + Arrays.toString(av.shape())
                    + " and logits " + Arrays.toString(shape) + " differ in shape");
        }
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("SoftTargets: temperature must be positive, got " + temperature);
        }
        int last = shape.length - 1;
        int v = (int) shape[last];
        int rows = v == 0 ? 0 : (int) (zv.length() / v);
        int[] index = q.index();
        if (w.length != rows || (index != null && index.length != rows)) {
            throw new IllegalArgumentException("SoftTargets: " + rows + " rows but " + w.length + " row weights"
                    + (index == null ? "" : " and " + index.length + " target indices"));
        }
        for (int r = 0; r < rows; r++) {
            if (w[r] != 0 && index != null && index[r] >= v) {
                throw new IllegalArgumentException("SoftTargets: target index " + index[r] + " at row " + r
                        + " is outside the vocabulary [0, " + v + ")");
            }
        }
        Rows in = new Rows(Buf.of(av), av.stride(), (int) av.stride(last), Buf.of(zv), zv.stride(),
                (int) zv.stride(last), shape, v, 1.0 / temperature, index, q.shift());
        double[] lseA = new double[rows];
        double[] lseZ = new double[rows];
        double[] perRow = new double[rows];
        in.forEachWeighted(w, 6L * v, (r, a, z) -> {
            lseA[r] = logSumExp(a);
            lseZ[r] = logSumExp(z);
            double sum = 0;
            for (int j = 0; j < v; j++) {
                if (a[j] == Double.NEGATIVE_INFINITY) {
                    continue; // q_j = 0 adds nothing
                }
                double logQ = a[j] - lseA[r];
                double logP = z[j] - lseZ[r];
                sum += Math.exp(logQ) * (kl ? logQ - logP : -logP);
            }
            perRow[r] = w[r] * sum;
        });
        double total = 0;
        for (double x : perRow) {
            total += x;
        }
        INDArray out = tape.allocate(logits.dtype(), 1);
        out.putScalar(0, total);
        return tape.record(out, g -> {
            double g0 = Buf.of(g).get(0) / temperature;
            INDArray gz = tape.gradFor(logits);
            Buf pg = Buf.of(gz);
            long[] gst = gz.stride();
            int sg = (int) gz.stride(last);
            in.forEachWeighted(w, 4L * v, (r, a, z) -> {
                double c = g0 * w[r];
                for (int j = 0, o = Walk.rowOffset(shape, gst, r); j < v; j++, o += sg) {
                    pg.add(o, c * (Math.exp(z[j] - lseZ[r]) - Math.exp(a[j] - lseA[r])));
                }
            });
        }, logits);
    }

    /** What is done with one row: its index, its target logits and its logits (both scaled by 1/T). */
    private interface RowBody {
        void accept(int r, double[] a, double[] z);
    }

    /** Reads row r of the target logits (scaled, with its entry moved) and of the logits (scaled) into heap arrays. */
    private record Rows(Buf a, long[] aStrides, int aStep, Buf z, long[] zStrides, int zStep, long[] shape, int v,
                        double invT, int[] index, double shift) {
        /** Runs {@code body} on every row of nonzero weight, the rows split across {@link Par}'s threads. */
        void forEachWeighted(double[] w, long workPerRow, RowBody body) {
            Par.range(w.length, workPerRow, (lo, hi) -> {
                double[] ar = new double[v];
                double[] zr = new double[v];
                for (int r = lo; r < hi; r++) {
                    if (w[r] != 0) {
                        load(r, ar, zr);
                        body.accept(r, ar, zr);
                    }
                }
            });
        }

        void load(int r, double[] ar, double[] zr) {
            for (int j = 0, i = Walk.rowOffset(shape, aStrides, r); j < v; j++, i += aStep) {
                ar[j] = a.get(i) * invT;
            }
            for (int j = 0, i = Walk.rowOffset(shape, zStrides, r); j < v; j++, i += zStep) {
                zr[j] = z.get(i) * invT;
            }
            if (index != null && index[r] >= 0) {
                ar[index[r]] += shift * invT;
            }
        }
    }

    private static double logSumExp(double[] x) {
        double max = Arrays.stream(x).max().orElse(Double.NEGATIVE_INFINITY);
        double sum = 0;
        for (double e : x) {
            sum += Math.exp(e - max);
        }
        return max + Math.log(sum);
    }
}
