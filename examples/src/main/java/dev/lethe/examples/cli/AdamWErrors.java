package dev.lethe.examples.cli;

import dev.lethe.transformer.io.CheckpointReader;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Relative errors of the {@code adamwK.<param>} quantities that leave out the elements whose AdamW step is set by
 * float32 rounding rather than by the model. AdamW's first step moves an element by {@code lr * g / (|g| + eps)}
 * (eps = 1e-8), whose sensitivity to a gradient error d is about {@code lr * eps * d / g^2}: for a gradient at the
 * rounding-noise level of an fp32 backward pass (~1e-7 of the tensor's largest gradient), such as GPT-2's key bias
 * whose exact gradient is zero (PyTorch gets 2.8e-9, Lethe -1.3e-10), the step is anywhere in [-lr, lr] and no two
 * correct implementations agree. With observed gradient agreement of ~1e-6 of the largest gradient, an element
 * needs |g| of at least {@value #NOISE_FLOOR} of its tensor's largest |g| for its step to be determined to 1e-4, so
 * elements whose step-0 gradient (in the reference or here) is nonzero and below that are not compared. Elements with
 * exactly zero gradients on both sides (unused embedding rows) are compared: their step is pure weight decay.
 * The denominator is the largest |value| of the whole reference tensor, as in ReferenceCheck.compare.
 */
public final class AdamWErrors {
    /** Gradient magnitude, relative to the tensor's largest, below which an element's AdamW step is noise. */
    public static final double NOISE_FLOOR = 1e-5;

    private AdamWErrors() {
    }

    /** Error of one tensor and the number of elements left out. */
    public record Result(double error, long excluded) {
    }

    /**
     * Recomputes the error of every {@code adamwK.<param>} in {@code computed} that the reference also has, using
     * the reference's {@code grad.<param>} and the computed one to find noise-level elements; a tensor without both
     * gradients is compared on every element.
     */
    public static Map<String, Result> compute(Map<String, INDArray> computed, CheckpointReader ref) throws IOException {
        Map<String, Result> out = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : computed.entrySet()) {
            String name = e.getKey();
            if (!name.matches("adamw\\d+\\..+") || !ref.contains(name)) {
                continue;
            }
            String param = name.substring(name.indexOf('.') + 1);
            INDArray want = ref.readFloat64(name);
            INDArray got = e.getValue();
            if (!java.util.Arrays.equals(want.shape(), got.shape())) {
                out.put(name, new Result(Double.POSITIVE_INFINITY, 0));
                continue;
            }
            INDArray gRef = ref.contains("grad." + param) ? ref.readFloat64("grad." + param) : null;
            INDArray gOurs = computed.get("grad." + param);
            out.put(name, gRef == null || gOurs == null ? of(got, want, null, null) : of(got, want, gOurs, gRef));
        }
        return out;
    }

    /** Largest |got - want| over the compared elements divided by the largest |want| over all. */
    public static Result of(INDArray got, INDArray want, INDArray gradOurs, INDArray gradRef) {
        double[] a = flat(got);
        double[] b = flat(want);
        double[] ga = gradOurs == null ? null : flat(gradOurs);
        double[] gb = gradRef == null ? null : flat(gradRef);
        double floor = 0;
        if (gb != null) {
            double maxG = 0;
            for (double x : gb) {
                maxG = Math.max(maxG, Math.abs(x));
            }
            floor = NOISE_FLOOR * maxG;
        }
        double maxDiff = 0;
        double maxRef = 0;
        long excluded = 0;
        for (int i = 0; i < a.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(b[i]));
            if (gb != null) {
                double g = Math.max(Math.abs(ga[i]), Math.abs(gb[i]));
                if (g > 0 && g <= floor) {
                    excluded++;
                    continue;
                }
            }
            double d = Math.abs(a[i] - b[i]);
            maxDiff = Double.isNaN(d) || Double.isNaN(maxDiff) ? Double.NaN : Math.max(maxDiff, d);
        }
        return new Result(maxRef == 0 ? maxDiff : maxDiff / maxRef, excluded);
    }

    private static double[] flat(INDArray x) {
        return x.castTo(DataType.DOUBLE).dup('c').data().asDouble();
    }
}
