package dev.lethe.optim.rule;

import dev.lethe.engine.ParameterSet;
import java.util.Map;

/**
 * Gradient-norm penalty on chosen objectives (arXiv 2502.05374, "GP" in §4.3 of algorithms.md): the inner rule sees
 * L̃ = L + ρ‖∇L‖ and its true gradient ∇L̃ = ∇L + ρ·H∇L/‖∇L‖, where the Hessian-vector product along the unit vector
 * v = ∇L/‖∇L‖ is the finite difference Hv ≈ (∇L(θ + h v) − ∇L(θ))/h (exact for quadratics). The official code
 * detaches the penalty (it contributes no gradient); this one does not. Costs one extra gradient evaluation.
 */
public final class GradNormPenalty extends ObjectiveWrapper {
    private final double rho;
    private final double h;

    private GradNormPenalty(UpdateRule inner, double rho, double h, String... objectives) {
        super(inner, objectives);
        this.rho = rho;
        this.h = h;
    }

    /** Penalty weight ρ, finite-difference step h (in parameter space), on the named objectives (all when none). */
    public static GradNormPenalty around(UpdateRule inner, double rho, double h, String... objectives) {
        return new GradNormPenalty(inner, rho, h, objectives);
    }

    @Override
    protected Evaluation evaluate(GradientOracle base, String name, StepContext ctx, Map<String, Double> metrics) {
        Evaluation at = base.evaluate(name);
        ParameterSet g = at.gradient();
        double norm = g.norm();
        metrics.put("gnp/" + name + "/grad_norm", norm);
        if (norm == 0) {
            return at; // ‖∇L‖ is not differentiable at 0; use the plain gradient
        }
        ParameterSet hv = Hvp.along(base, name, g, g.copy().scale(1.0 / norm), h); // H v
        return new Evaluation(at.loss() + rho * norm, g.axpy(rho, hv)); // ∇L + ρ H v
    }
}
