package dev.lethe.optim.train;

/**
 * Thrown by the Trainer's NaN/Inf guard when a loss or the update direction stops being finite. The parameters have
 * not been touched by the bad step and the last checkpoint on disk is the last good one; the message names the step,
 * the offending quantity and its value, and that checkpoint.
 */
public final class NonFiniteLossException extends RuntimeException {
    private final long step;
    private final String quantity;
    private final double value;

    public NonFiniteLossException(long step, String quantity, double value, String message) {
        super(message);
        this.step = step;
        this.quantity = quantity;
        this.value = value;
    }

    /** The 1-based step that went bad. */
    public long step() {
        return step;
    }

    /** The name of the non-finite quantity, for example {@code loss/forget}. */
    public String quantity() {
        return quantity;
    }

    public double value() {
        return value;
    }
}
