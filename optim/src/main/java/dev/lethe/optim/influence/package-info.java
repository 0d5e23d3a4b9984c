/** Online unlearning from a training run's step records: LMCleaner's truncated influence propagation. */
package dev.lethe.optim.influence;
