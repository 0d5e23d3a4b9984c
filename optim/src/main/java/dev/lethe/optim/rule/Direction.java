package dev.lethe.optim.rule;

import dev.lethe.engine.ParameterSet;
import java.util.Map;

/**
 * What an {@link UpdateRule} returns for one step: the update direction (same names and shapes as the trainable
 * parameters; the optimizer descends along it) and scalars to log, such as {@code loss/forget} or {@code lambda}.
 */
public record Direction(ParameterSet direction, Map<String, Double> metrics) {
}
