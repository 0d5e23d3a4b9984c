package dev.lethe.optim.train;

/**
 * One micro-batch of a training step as the caller defines it (for unlearning, {@code unlearn.job.StepBatches}: one
 * padded token batch, {@code unlearn.data.Batch}, per objective). The Trainer only asks how many tokens it holds, for
 * the tokens/s metric.
 */
public interface MicroBatch {
    /** Number of tokens processed for this batch (0 when not meaningful). */
    default long tokens() {
        return 0;
    }
}
