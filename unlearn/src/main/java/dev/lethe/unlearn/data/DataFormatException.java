package dev.lethe.unlearn.data;

/** A data file that cannot be used as given; the message names the file, the line, the field and the fix. */
public class DataFormatException extends RuntimeException {
    public DataFormatException(String message) {
        super(message);
    }

    public DataFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
