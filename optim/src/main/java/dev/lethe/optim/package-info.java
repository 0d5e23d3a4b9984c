/**
 * Lethe optim: optimizers ({@link dev.lethe.optim.AdamW}, {@link dev.lethe.optim.Sgd}), learning-rate schedules,
 * gradient clipping, trainable-parameter selection, and the subpackages {@code rule} (update rules), {@code train}
 * (the Trainer) and {@code checkpoint}. Depends on the engine only; knows nothing of models or objectives' meaning
 * (see ../shared/docs/design.md).
 */
package dev.lethe.optim;
