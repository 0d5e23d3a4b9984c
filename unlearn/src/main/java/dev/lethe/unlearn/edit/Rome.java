package dev.lethe.unlearn.edit;

import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.RealVector;

/**
 * ROME's rank-one update of one MLP output matrix (arXiv 2202.05262, eq. 2):
 * <pre>
 *   u  = C⁻¹ k*                        (a linear solve, float64)
 *   ΔW = (v* − W k*) uᵀ / (uᵀ k*)
 * </pre>
 * so that (W + ΔW) k* = v* while keys uncorrelated with k* under C move as little as possible. Here W k* is the
 * matrix's actual output for k* (bias included).
 */
public final class Rome {
    private Rome() {
    }

    /** ΔW [D, F] from the statistics C [F, F], the key k* [F] and the residual v* − W k* [D]. */
    public static RealMatrix update(RealMatrix c, RealVector key, RealVector residual, int layer) {
        RealVector u = LinearSolve.solve(c, key, "the second-moment matrix C of layer " + layer);
        double uk = u.dotProduct(key);
        return residual.outerProduct(u).scalarMultiply(1.0 / uk);
    }
}
