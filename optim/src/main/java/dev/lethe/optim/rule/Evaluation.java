package dev.lethe.optim.rule;

import dev.lethe.engine.ParameterSet;

/**
 * One objective evaluated by a {@link GradientOracle}: its loss value and its gradient with respect to the trainable
 * parameters. The gradient is a fresh set owned by the caller, which may modify it.
 */
public record Evaluation(double loss, ParameterSet gradient) {
}
