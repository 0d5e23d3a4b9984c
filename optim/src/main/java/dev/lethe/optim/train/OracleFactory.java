package dev.lethe.optim.train;

import dev.lethe.optim.rule.GradientOracle;
import dev.lethe.optim.rule.StepContext;

/**
 * Builds the {@link GradientOracle} for one micro-batch: typically a {@link dev.lethe.optim.rule.TapeOracle} whose
 * objectives close over the batch and the model. The step context carries the step number and the run's random
 * generator (for dropout seeds and similar).
 */
@FunctionalInterface
public interface OracleFactory<B extends MicroBatch> {
    GradientOracle oracle(B batch, StepContext ctx);
}
