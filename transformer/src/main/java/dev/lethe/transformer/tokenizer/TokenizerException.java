package dev.lethe.transformer.tokenizer;

/**
 * Thrown when a tokenizer cannot be loaded or used: a missing or corrupt file, a field with a wrong value, an id
 * outside the vocabulary, or a native library that does not load. The message names the file, the field and what
 * to do about it.
 */
public class TokenizerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An error with a message that names the file, the field and the fix. */
    public TokenizerException(String message) {
        super(message);
    }

    /** An error with a message and the underlying cause. */
    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
