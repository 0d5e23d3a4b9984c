package dev.lethe.optim.rule;

import dev.lethe.optim.Rng;

/**
 * Where a step happens: the 0-based optimizer step, the 0-based epoch, and the run's random generator (whose state the
 * Trainer checkpoints), for rules that draw noise.
 */
public record StepContext(long step, long epoch, Rng rng) {
}
