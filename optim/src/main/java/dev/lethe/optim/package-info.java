/**
 * Lethe optim: optimizers ({@link dev.lethe.optim.AdamW}, {@link dev.lethe.optim.Sgd}), learning-rate schedules,
 * gradient clipping, trainable-parameter selection, and the subpackages {@code rule} (update rules) and {@code train}
 * (the Trainer; its atomic checkpoints are safetensors files written and read with {@code dev.lethe.engine.io}).
 * Depends on the engine only; knows nothing of models or objectives' meaning (see ../shared/docs/design.md).
 */
package dev.lethe.optim;
