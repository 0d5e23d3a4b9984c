package dev.lethe.optim.rule;

import dev.lethe.engine.ParameterSet;
import java.util.Set;

/**
 * Evaluates named objectives (for example {@code "forget"} and {@code "retain"}) on the current batch at the current
 * trainable parameters θ, returning each loss and its gradient. {@link #parameters()} is a view of θ: a rule may move
 * it temporarily (SAM, randomized smoothing, finite-difference Hessian-vector products) with {@link #evaluateAt}, which
 * restores θ bit for bit afterwards. Oracles are built by the caller per batch; rules compose by decorating them.
 */
public interface GradientOracle {
    /** The trainable parameters θ (views of the model's arrays). */
    ParameterSet parameters();

    /** The names of the objectives this oracle can evaluate. */
    Set<String> objectives();

    /** The objective's loss and gradient at the current θ. */
    Evaluation evaluate(String objective);

    /** The objective's loss and gradient at θ + delta; θ is restored exactly (from a copy) afterwards. */
    default Evaluation evaluateAt(ParameterSet delta, String objective) {
        ParameterSet theta = parameters();
        ParameterSet saved = theta.copy();
        theta.axpy(1.0, delta);
        try {
            return evaluate(objective);
        } finally {
            theta.assign(saved);
        }
    }
}
