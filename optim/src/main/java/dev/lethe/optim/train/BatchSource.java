package dev.lethe.optim.train;

/**
 * The training data as a pure function of position: micro-batch {@code index} of epoch {@code epoch}. Being pure (any
 * shuffling seeded by the epoch) is what lets a resumed run see exactly the batches an uninterrupted run would see;
 * the Trainer checkpoints the position only.
 */
public interface BatchSource<B extends MicroBatch> {
    /** Micro-batches per epoch. */
    long batchesPerEpoch();

    /** The micro-batch at {@code index} (0-based) of {@code epoch} (0-based). */
    B batch(long epoch, long index);
}
