package dev.lethe.optim.train;

/**
 * One micro-batch as the caller defines it (token ids, masks, forget and retain parts, ...). The Trainer only asks how
 * many tokens it holds, for the tokens/s metric.
 */
public interface Batch {
    /** Number of tokens processed for this batch (0 when not meaningful). */
    default long tokens() {
        return 0;
    }
}
