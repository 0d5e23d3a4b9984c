package dev.lethe.unlearn.edit;

import org.apache.commons.math3.linear.RealMatrix;

/**
 * MEMIT's batched update of one MLP output matrix (arXiv 2210.07229, eq. 14):
 * <pre>
 *   ΔW = R Kᵀ (λ C + K Kᵀ)⁻¹      computed as  A = solve(λ C + K Kᵀ, K),  ΔW = R Aᵀ
 * </pre>
 * with K [F, n] the edits' keys at this layer, R [D, n] the part of the residual z − h assigned to this layer, C the
 * layer's second moments and λ MEMIT's mom2_update_weight. (λC + KKᵀ is symmetric, so solve(·, K)ᵀ = Kᵀ(·)⁻¹.)
 */
public final class Memit {
    private Memit() {
    }

    public static RealMatrix update(RealMatrix c, RealMatrix keys, RealMatrix residuals, double lambda, int layer) {
        RealMatrix a = c.scalarMultiply(lambda).add(keys.multiply(keys.transpose()));
        RealMatrix adj = LinearSolve.solve(a, keys, "λC + KKᵀ of layer " + layer);
        return residuals.multiply(adj.transpose());
    }
}
