package dev.lethe.transformer.config;

/**
 * Thrown when a {@code config.json} cannot be turned into a {@link ModelConfig}: not UTF-8, not a JSON object, an
 * unknown model family, a missing required field, a field of the wrong type or an unsupported value. The message
 * names the file, the field and the fix.
 */
public class ConfigFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** An exception with a complete, user-facing message. */
    public ConfigFormatException(String message) {
        super(message);
    }

    /** An exception with a complete, user-facing message and the low-level cause. */
    public ConfigFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
