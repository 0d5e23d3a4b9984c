package dev.lethe.engine.io;

import java.io.IOException;

/**
 * Thrown when a checkpoint file (safetensors, a shard index, or a refused pickle) cannot be trusted or read. The
 * message always names the file, the tensor or field at fault when there is one, and what to do about it; the reader
 * throws it before it allocates or maps anything sized by the bad value, so hostile input never crashes or hangs it.
 */
public class CheckpointFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /** An exception with a complete, user-facing message. */
    public CheckpointFormatException(String message) {
        super(message);
    }

    /** An exception with a complete, user-facing message and the low-level cause. */
    public CheckpointFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
