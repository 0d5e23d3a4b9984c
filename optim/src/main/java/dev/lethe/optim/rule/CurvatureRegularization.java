package dev.lethe.optim.rule;

import dev.lethe.engine.ParameterSet;
import java.util.Map;

/**
 * Curvature regularisation on chosen objectives (arXiv 2502.05374, "CR" in §4.3 of algorithms.md): with
 * v = ∇L/‖∇L‖ and u = ∇L(θ + h v) − ∇L(θ) (≈ h·Hv), the inner rule sees L̃ = L + ρ‖u‖ and its gradient
 * ∇L̃ = ∇L + ρ·(h/‖∇L‖)·H (I − v vᵀ) H û with û = u/‖u‖, obtained by differentiating u = h·H·v(θ) with H held fixed
 * (exact for quadratics); both Hessian-vector products are finite differences (see Hvp). The official code detaches
 * the penalty; this one does not. Costs three extra gradient evaluations.
 */
public final class CurvatureRegularization extends ObjectiveWrapper {
    private final double rho;
    private final double h;

    private CurvatureRegularization(UpdateRule inner, double rho, double h, String... objectives) {
        super(inner, objectives);
        this.rho = rho;
        this.h = h;
    }

    /** Penalty weight ρ, probe radius h (0.01 in the official code), on the named objectives (all when none). */
    public static CurvatureRegularization around(UpdateRule inner, double rho, double h, String... objectives) {
        return new CurvatureRegularization(inner, rho, h, objectives);
    }

    @Override
    protected Evaluation evaluate(GradientOracle base, String name, StepContext ctx, Map<String, Double> metrics) {
        Evaluation at = base.evaluate(name);
        ParameterSet g = at.gradient();
        double gn = g.norm();
        if (gn == 0) {
            return at;
        }
        ParameterSet v = g.copy().scale(1.0 / gn);
        ParameterSet u = base.evaluateAt(v.copy().scale(h), name).gradient().axpy(-1.0, g); // u = ∇L(θ+hv) − ∇L(θ)
        double un = u.norm();
        metrics.put("cr/" + name + "/penalty", rho * un);
        if (un == 0) {
            return at;
        }
        ParameterSet z = Hvp.along(base, name, g, u.scale(1.0 / un), h); // H û
        z.axpy(-v.dot(z), v); // (I − v vᵀ) H û
        ParameterSet w = Hvp.along(base, name, g, z, h); // H (I − v vᵀ) H û
        return new Evaluation(at.loss() + rho * un, g.axpy(rho * h / gn, w));
    }
}
