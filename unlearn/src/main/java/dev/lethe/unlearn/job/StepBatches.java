package dev.lethe.unlearn.job;

import dev.lethe.optim.train.Batch;
import java.util.Map;

/** One micro-batch of an unlearning or fine-tuning run: named token batches ("forget", "retain", "idk", "train"). */
public record StepBatches(Map<String, dev.lethe.unlearn.data.Batch> batches) implements Batch {
    @Override
    public long tokens() {
        long n = 0;
        for (dev.lethe.unlearn.data.Batch b : batches.values()) {
            n += (long) b.batch() * b.length();
        }
        return n;
    }
}
