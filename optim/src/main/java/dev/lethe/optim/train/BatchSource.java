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

    /**
     * The ids of the training records in micro-batch {@code index} of {@code epoch} (positions in the training set),
     * which {@link StepRecords} store per step so that an online unlearning method can find the steps that saw a
     * record; empty when the source has no notion of records.
     */
    default long[] recordIds(long epoch, long index) {
        return new long[0];
    }
}
