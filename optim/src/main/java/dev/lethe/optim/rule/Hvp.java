package dev.lethe.optim.rule;

import dev.lethe.engine.ParameterSet;

/**
 * Finite-difference Hessian-vector products from an oracle's gradients: H x ≈ ‖x‖·(∇L(θ + h x̂) − ∇L(θ))/h with
 * x̂ = x/‖x‖, which is exact for quadratic objectives and needs one extra gradient evaluation.
 */
public final class Hvp {
    private Hvp() {
    }

    /** H x, given the gradient g = ∇L(θ) already evaluated at θ. */
    public static ParameterSet along(GradientOracle oracle, String objective, ParameterSet g, ParameterSet x, double h) {
        double xn = x.norm();
        if (xn == 0) {
            return x.zerosLike();
        }
        ParameterSet step = x.copy().scale(h / xn); // h x̂
        ParameterSet gh = oracle.evaluateAt(step, objective).gradient();
        return gh.axpy(-1.0, g).scale(xn / h); // ‖x‖ (∇L(θ + h x̂) − ∇L(θ)) / h
    }
}
