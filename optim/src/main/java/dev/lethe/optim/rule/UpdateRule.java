package dev.lethe.optim.rule;

import dev.lethe.engine.ParameterSet;
import java.util.Map;

/**
 * Turns the gradients of one or more objectives into one update direction: weighted sums, bi-level projections,
 * primal-dual Lagrangians, and wrappers that change how an objective's gradient is measured (SAM, randomized
 * smoothing, gradient-norm and curvature penalties) or what happens after the step (weight averaging). A rule knows
 * objectives only by name and never what they mean. Its persistent state (a dual variable, averaged weights) is a
 * named {@link ParameterSet} so that checkpoints can save it.
 */
public interface UpdateRule {
    /** The direction for this step; may evaluate any objectives of the oracle, at θ or at perturbed points. */
    Direction direction(GradientOracle oracle, StepContext ctx);

    /** Called after the optimizer has updated {@code params} at step {@code ctx.step()}. */
    default void afterStep(ParameterSet params, StepContext ctx) {
    }

    /** Called when epoch {@code epoch} (0-based) has ended. */
    default void endEpoch(long epoch) {
    }

    /**
     * Called once when training ends, with the trained parameters; a rule may replace them (weight averaging puts the
     * averaged iterate in place). Wrappers forward it to the rule they wrap, so this composes at any depth.
     */
    default void finish(ParameterSet params) {
    }

    /** The rule's persistent state (empty by default). */
    default ParameterSet state() {
        return ParameterSet.of(Map.of());
    }

    /** Restores what {@link #state()} returned. */
    default void loadState(ParameterSet state) {
    }
}
