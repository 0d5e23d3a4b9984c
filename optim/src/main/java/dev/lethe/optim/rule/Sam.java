package dev.lethe.optim.rule;

import dev.lethe.engine.ParameterSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Sharpness-aware minimisation applied to chosen objectives only (Foret et al., arXiv 2010.01412, eq. 2; used for
 * unlearning in arXiv 2502.05374, §4.2 of algorithms.md): for each chosen objective, ε = ρ·g/‖g‖ (global norm over the
 * trainable parameters) and the gradient the inner rule sees is ∇L(θ + ε); the loss it sees is L(θ). Other objectives
 * pass through. {@code Sam.around(new Bilevel(1.0), 0.01, "forget")} smooths only the forget loss.
 */
public final class Sam extends RuleWrapper {
    private final double rho;
    private final List<String> objectives;

    private Sam(UpdateRule inner, double rho, List<String> objectives) {
        super(inner);
        this.rho = rho;
        this.objectives = objectives;
    }

    /** SAM with radius ρ on the named objectives (all objectives when none are named). */
    public static Sam around(UpdateRule inner, double rho, String... objectives) {
        return new Sam(inner, rho, List.of(objectives));
    }

    @Override
    protected GradientOracle wrap(GradientOracle oracle, StepContext ctx, Map<String, Double> metrics) {
        Set<String> names = chosen(objectives, oracle);
        return transform(oracle, names, (base, name) -> {
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
        });
    }
}
