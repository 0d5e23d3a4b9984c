package dev.lethe.optim.train;

import dev.lethe.engine.ParameterSet;

/**
 * What one optimizer step of a recorded run did, as online unlearning by influence propagation needs it
 * (LMCleaner in the influence package): the 0-based step s (the update θ_s → θ_{s+1}), its data position
 * (epoch, first micro-batch index, micro-batches), the learning rate η_s, the ids of the training records in its
 * batch, and the parameter change u_s = θ_{s+1} − θ_s.
 */
public record StepRecord(long step, long epoch, long firstIndex, int microBatches, double lr, long[] ids,
                         ParameterSet update) {
    public StepRecord {
        ids = ids.clone();
    }

    /** True when the step's batch held training record {@code id}. */
    public boolean saw(long id) {
        for (long i : ids) {
            if (i == id) {
                return true;
            }
        }
        return false;
    }
}
