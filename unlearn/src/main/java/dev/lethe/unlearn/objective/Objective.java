package dev.lethe.unlearn.objective;

import dev.lethe.engine.Tensor;

/**
 * A scalar loss of the model on one step's batches, recorded on the step's tape so its gradient can be taken. Every
 * objective is one short class whose code follows its paper's equation (arXiv id and equation in a one-line comment),
 * with open-unlearning's conventions (algorithms.md section 5) unless an option names another variant.
 */
public interface Objective {
    /** Short name used in logs and recipes, e.g. "npo". */
    String name();

    /** The loss as a one-element tensor on {@code ctx.tape()}. */
    Tensor loss(LossContext ctx);

    /** True when the objective reads the frozen reference model. */
    default boolean needsReference() {
        return false;
    }
}
