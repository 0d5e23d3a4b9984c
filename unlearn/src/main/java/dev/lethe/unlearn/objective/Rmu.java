package dev.lethe.unlearn.objective;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.ops.Elementwise;
import dev.lethe.engine.ops.Reductions;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * RMU, representation misdirection (WMDP arXiv 2403.03218, eq. 1-3; algorithms.md 5.9): the output activations of
 * decoder layer l on forget text are steered to c * u (u a fixed random unit vector drawn from U[0,1)^d), and on
 * retain text kept at the frozen model's: L = MSE(h_l(theta; x_f), c u) + alpha MSE(h_l(theta; x_r), h_l(ref; x_r)),
 * means over batch, tokens and hidden dims (the original's plain MSE; padding positions included, as there). Only a
 * parameter subset is trained (the recipe selects it). Defaults: layer 7, c = 6.5, alpha = 1200 (the Zephyr run).
 */
public final class Rmu implements Objective {
    private final int layer;
    private final double steering;
    private final double alpha;
    private final double[] u;

    /** u is drawn once from {@code seed}: one fixed direction per forget corpus. */
    /**
     * The steered layer for a {@code layer} setting: a number in [0, numLayers), or "auto" for layer 7 (the WMDP Zephyr
     * run) capped at the second-to-last layer of smaller models.
     */
    public static int layer(String setting, int numLayers) {
        int layer = setting.equals("auto") ? Math.max(0, Math.min(7, numLayers - 2)) : Integer.parseInt(setting.trim());
        if (layer < 0 || layer >= numLayers) {
            throw new IllegalArgumentException("setting 'layer' must be in [0, " + (numLayers - 1) + "] for this model"
                    + " (or auto), got " + layer);
        }
        return layer;
    }

    public Rmu(int layer, double steering, double alpha, int hiddenSize, long seed) {
        this.layer = layer;
        this.steering = steering;
        this.alpha = alpha;
        Random rnd = new Random(seed);
        u = new double[hiddenSize];
        double norm = 0;
        for (int i = 0; i < hiddenSize; i++) {
            u[i] = rnd.nextDouble();
            norm += u[i] * u[i];
        }
        norm = Math.sqrt(norm);
        for (int i = 0; i < hiddenSize; i++) {
            u[i] /= norm;
        }
    }

    @Override
    public String name() {
        return "rmu";
    }

    @Override
    public boolean needsReference() {
        return true;
    }

    /** With a given steering direction (normalised here), e.g. to reproduce a run whose u was drawn elsewhere. */
    public Rmu(int layer, double steering, double alpha, double[] direction) {
        this.layer = layer;
        this.steering = steering;
        this.alpha = alpha;
        double norm = 0;
        for (double x : direction) {
            norm += x * x;
        }
        norm = Math.sqrt(norm);
        u = new double[direction.length];
        for (int i = 0; i < u.length; i++) {
            u[i] = direction[i] / norm;
        }
    }

    /** The steering direction (unit norm). */
    public double[] direction() {
        return u.clone();
    }

    @Override
    public Tensor loss(LossContext ctx) {
        Tape t = ctx.tape();
        // hidden.(l+1) is the output of decoder layer l (index 0 is the embedding output)
        int layers = ctx.model().config().numLayers();
        if (layer < 0 || layer >= layers - 1) {
            throw new IllegalArgumentException("RMU layer " + layer + " must be in [0, " + (layers - 1) + "): the last"
                    + " layer's output is only exposed after the final norm");
        }
        Tensor hf = ctx.scores("forget").hidden().get(layer + 1);
        double[] target = new double[u.length];
        for (int i = 0; i < u.length; i++) {
            target[i] = steering * u[i];
        }
        Tensor cu = Tensor.constant(hf.dtype(), target, u.length);
        Tensor forget = Reductions.meanAll(t, square(t, Elementwise.sub(t, hf, cu)));
        if (!ctx.hasBatch("retain") || alpha == 0) {
            return forget;
        }
        Tensor hr = ctx.scores("retain").hidden().get(layer + 1);
        INDArray frozen = ctx.referenceScores("retain").hidden().get(layer + 1).value();
        Tensor retain = Reductions.meanAll(t, square(t, Elementwise.sub(t, hr, t.constant(frozen))));
        return Elementwise.add(t, forget, Elementwise.mulScalar(t, retain, alpha));
    }

    private static Tensor square(Tape t, Tensor x) {
        return Elementwise.mul(t, x, x);
    }
}
