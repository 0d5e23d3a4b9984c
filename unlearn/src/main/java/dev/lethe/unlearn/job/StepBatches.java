package dev.lethe.unlearn.job;

import dev.lethe.optim.train.MicroBatch;
import dev.lethe.unlearn.data.Batch;
import java.util.Map;

/**
 * One micro-batch of an unlearning or fine-tuning run (the optim {@link MicroBatch}): a padded token {@link Batch} per
 * objective name ("forget", "retain", "idk", "train").
 */
public record StepBatches(Map<String, Batch> batches) implements MicroBatch {
    @Override
    public long tokens() {
        long n = 0;
        for (Batch b : batches.values()) {
            n += (long) b.batch() * b.length();
        }
        return n;
    }
}
