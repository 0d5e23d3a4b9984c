package dev.lethe.optim;

import dev.lethe.engine.ParameterSet;
import java.util.Map;

/**
 * Turns an update direction (a gradient-like {@link ParameterSet} with the parameters' names and shapes) into an
 * in-place parameter update. The learning rate is set from outside each step (by a schedule), so an optimizer holds
 * only its own per-parameter state, exposed as named {@link ParameterSet}s (for example {@code exp_avg}) plus a step
 * count, so that a checkpoint can save and restore it bit for bit.
 */
public interface Optimizer {
    /** Applies one update to {@code params} (in place) from {@code direction}; state is created on the first call. */
    void step(ParameterSet params, ParameterSet direction);

    double learningRate();

    void setLearningRate(double lr);

    /** Number of steps taken so far. */
    long steps();

    /** The optimizer's state by name (views: writing them writes the optimizer); empty before the first step. */
    Map<String, ParameterSet> state();

    /**
     * Restores the state saved by {@link #state()} after {@code steps} steps; {@code params} gives the names, shapes
     * and dtypes to allocate.
     */
    void loadState(ParameterSet params, long steps, Map<String, ParameterSet> state);
}
