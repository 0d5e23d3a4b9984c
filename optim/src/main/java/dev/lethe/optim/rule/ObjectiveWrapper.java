package dev.lethe.optim.rule;

import java.util.List;
import java.util.Map;

/**
 * A {@link RuleWrapper} that changes how chosen objectives are measured (SAM, the gradient-norm penalty, curvature
 * regularisation, randomized smoothing): the inner rule sees {@link #evaluate} for each chosen objective (every
 * objective when none are named) and the oracle's own evaluation for the others.
 */
public abstract class ObjectiveWrapper extends RuleWrapper {
    private final List<String> objectives;

    protected ObjectiveWrapper(UpdateRule inner, String... objectives) {
        super(inner);
        this.objectives = List.of(objectives);
    }

    /** The named objectives (empty: all of them). */
    public List<String> objectives() {
        return objectives;
    }

    /** What the inner rule sees for the chosen objective {@code name}; evaluation metrics go into {@code metrics}. */
    protected abstract Evaluation evaluate(GradientOracle base, String name, StepContext ctx,
            Map<String, Double> metrics);

    @Override
    protected final GradientOracle wrap(GradientOracle oracle, StepContext ctx, Map<String, Double> metrics) {
        return transform(oracle, chosen(objectives, oracle), (base, name) -> evaluate(base, name, ctx, metrics));
    }
}
