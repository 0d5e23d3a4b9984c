package dev.lethe.optim;

import dev.lethe.engine.ParameterSet;

/**
 * Global-norm gradient clipping with the semantics of {@code torch.nn.utils.clip_grad_norm_}: the norm is taken over
 * all arrays together, and when it exceeds {@code maxNorm} every array is multiplied by
 * {@code maxNorm / (norm + 1e-6)}; otherwise nothing changes (torch multiplies by a clamped factor of exactly 1).
 */
public final class GradClip {
    private GradClip() {
    }

    /** Clips {@code grads} in place and returns the norm before clipping. */
    public static double clipGlobalNorm(ParameterSet grads, double maxNorm) {
        double norm = grads.norm();
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1.0) {
            grads.scale(coef);
        }
        return norm;
    }
}
