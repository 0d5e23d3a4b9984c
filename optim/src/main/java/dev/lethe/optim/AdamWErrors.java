package dev.lethe.optim;

import dev.lethe.engine.io.CheckpointReader;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Errors of the AdamW quantities of {@code lethe check} against the reference's {@code adamwK.<param>} tensors
 * (torch.optim.AdamW run in float32 on the fixture batch). Three computed families are compared with them:
 * <ul>
 * <li>{@code adamwK.<param>}: Lethe's K-step trajectory in float64 (model, loss, gradients and optimizer state), so
 * the only rounding left in the comparison is PyTorch's own; tolerance 1e-5.</li>
 * <li>{@code adamwK_f32.<param>}: the same trajectory in float32. Two correct float32 runs differ by the sum of their
 * rounding errors, which the AdamW normalisation amplifies (measured on gpt2's {@code h.1.attn.c_proj.weight} after
 * 3 steps: PyTorch float32 vs exact 6.9e-6, Lethe float32 vs exact 4.7e-6, so 1.2e-5 between the two); tolerance
 * 1e-4, that of gradients.</li>
 * <li>{@code adamw1_refgrad.<param>}: the optimizer alone, one float32 step along the reference's own
 * {@code grad.<param>} ({@code ReferenceAdamW#isolatedStep} of {@code lethe check}); every element, tolerance 1e-5.</li>
 * </ul>
 * The trajectories leave out the elements whose AdamW step is set by float32 rounding rather than by the model.
 * AdamW's first step moves an element by {@code lr * g / (|g| + eps)} (eps = 1e-8), whose sensitivity to a gradient
 * error d is about {@code lr * eps * d / g^2}. PyTorch's float32 gradients differ from exact ones by d of about 1e-7
 * of a tensor's largest gradient G (gpt2's {@code h.1.mlp.c_fc.bias} element 90: g = 8.77e-7 in PyTorch, 8.74e-7
 * here, G = 0.0316; its exact gradient, and that of GPT-2's key bias, is zero or near it). For the step to be fixed
 * to 1e-5 of a tensor's values (about lr after one step) that needs {@code g^2 >= lr * eps * d / (1e-5 * lr)}, i.e.
 * {@code |g| >= ~3e-5 G}, and with d up to 1e-6 G (the measured gradient agreement) {@code |g| >= 1e-4 G} =
 * {@value #NOISE_FLOOR}. Elements whose step-0 gradient (in the reference or here) is nonzero and below that are not
 * compared; elements with exactly zero gradients on both sides (unused embedding rows) are: their step is pure
 * weight decay. The denominator is the largest |value| of the whole reference tensor, as in ReferenceCheck.compare.
 */
public final class AdamWErrors {
    /** Gradient magnitude, relative to the tensor's largest, below which an element's AdamW step is noise. */
    public static final double NOISE_FLOOR = 1e-4;

    /** {@code adamw<K>[_f32|_refgrad].<param>}: group 1 = K, group 2 = the variant (or null), group 3 = param. */
    static final Pattern NAME = Pattern.compile("^adamw(\\d+)(_f32|_refgrad)?\\.(.+)$");

    private AdamWErrors() {
    }

    /** Error of one tensor and the number of elements left out. */
    public record Result(double error, long excluded) {
    }

    /**
     * The error of every AdamW quantity in {@code computed} whose reference tensor {@code adamwK.<param>} exists.
     * Trajectories leave out noise-level elements (found from the reference's {@code grad.<param>} and the computed
     * one) unless {@code allElements}; a tensor without both gradients is compared on every element.
     */
    public static Map<String, Result> compute(Map<String, INDArray> computed, CheckpointReader ref,
                                              boolean allElements) throws IOException {
        Map<String, Result> out = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : computed.entrySet()) {
            Matcher m = NAME.matcher(e.getKey());
            if (!m.matches()) {
                continue;
            }
            String param = m.group(3);
            String refName = "adamw" + m.group(1) + "." + param;
            if (!ref.contains(refName)) {
                continue;
            }
            INDArray want = ref.readFloat64(refName);
            INDArray got = e.getValue();
            if (!Arrays.equals(want.shape(), got.shape())) {
                out.put(e.getKey(), new Result(Double.POSITIVE_INFINITY, 0));
                continue;
            }
            boolean trajectory = !"_refgrad".equals(m.group(2));
            INDArray gRef = ref.contains("grad." + param) ? ref.readFloat64("grad." + param) : null;
            INDArray gOurs = computed.get("grad." + param);
            boolean filter = trajectory && !allElements && gRef != null && gOurs != null;
            out.put(e.getKey(), filter ? of(got, want, gOurs, gRef) : of(got, want, null, null));
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
