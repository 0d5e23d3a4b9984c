package dev.lethe.optim.rule;

import dev.lethe.engine.ParameterSet;
import java.util.Map;

/**
 * Sharpness-aware minimisation applied to chosen objectives only (Foret et al., arXiv 2010.01412, eq. 2; used for
 * unlearning in arXiv 2502.05374, §4.2 of algorithms.md): for each chosen objective, ε = ρ·g/‖g‖ (global norm over the
 * trainable parameters) and the gradient the inner rule sees is ∇L(θ + ε); the loss it sees is L(θ). Other objectives
 * pass through. {@code Sam.around(new Bilevel(1.0), 0.01, "forget")} smooths only the forget loss.
 */
public final class Sam extends ObjectiveWrapper {
    private final double rho;

    private Sam(UpdateRule inner, double rho, String... objectives) {
        super(inner, objectives);
        this.rho = rho;
    }

    /** SAM with radius ρ on the named objectives (all objectives when none are named). */
    public static Sam around(UpdateRule inner, double rho, String... objectives) {
        return new Sam(inner, rho, objectives);
    }

    @Override
    protected Evaluation evaluate(GradientOracle base, String name, StepContext ctx, Map<String, Double> metrics) {
        Evaluation at = base.evaluate(name);
        double norm = at.gradient().norm();
        if (norm == 0) {
            return at;
        }
        ParameterSet eps = at.gradient().scale(rho / norm); // ε = ρ g / ‖g‖
        Evaluation perturbed = base.evaluateAt(eps, name); // ∇L(θ + ε)
        metrics.put("sam/" + name + "/loss_perturbed", perturbed.loss());
        metrics.put("sam/" + name + "/grad_norm", norm);
        return new Evaluation(at.loss(), perturbed.gradient());
    }
}
