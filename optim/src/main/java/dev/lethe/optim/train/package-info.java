/** The training loop: batches, oracles per micro-batch, metrics, NaN guard, atomic checkpoints and exact resume. */
package dev.lethe.optim.train;
