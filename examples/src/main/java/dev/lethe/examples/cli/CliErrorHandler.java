package dev.lethe.examples.cli;

import dev.lethe.optim.train.NonFiniteLossException;
import dev.lethe.optim.train.RunFolderLock;
import dev.lethe.engine.io.CheckpointFormatException;
import dev.lethe.transformer.tokenizer.TokenizerException;
import dev.lethe.unlearn.data.DataFormatException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * Turns an exception thrown by a subcommand into one clear line on the error stream ({@code lethe: message})
 * and exit code 1; the stack trace is printed only when {@code --verbose} was given. The hint to rerun with
 * {@code --verbose} follows only unexpected errors: a user error (bad value, unknown name, missing or malformed
 * file, a run folder in use) already says everything in its message.
 */
public final class CliErrorHandler implements CommandLine.IExecutionExceptionHandler {

    /** Exit code of a command that failed while running (bad usage is picocli's 2). */
    public static final int FAILURE = 1;

    @Override
    public int handleExecutionException(Exception ex, CommandLine commandLine, ParseResult parseResult) {
        var err = commandLine.getErr();
        err.println("lethe: " + describe(ex));
        if (verbose(parseResult)) {
            ex.printStackTrace(err);
        } else if (!isUserError(ex)) {
            err.println("(run again with --verbose for the stack trace)");
        }
        err.flush();
        return FAILURE;
    }

    /**
     * Whether the exception reports bad input whose message is complete: invalid arguments and values (including
     * numbers that do not parse), malformed configs, checkpoints, tokenizers and data files, files that are missing
     * or not accessible, a training run that diverged, a run folder in use. Anything else is unexpected.
     */
    static boolean isUserError(Throwable ex) {
        Throwable t = ex instanceof UncheckedIOException && ex.getCause() != null ? ex.getCause() : ex;
        return t instanceof IllegalArgumentException || t instanceof RunFolderLock.InUseException
                || t instanceof TokenizerException || t instanceof CheckpointFormatException
                || t instanceof DataFormatException || t instanceof NonFiniteLossException
                || t instanceof FileSystemException;
    }

    /** The message of the exception, or of its first cause that has one, or its class name. */
    static String describe(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage();
            }
        }
        return ex.getClass().getName();
    }

    private static boolean verbose(ParseResult parseResult) {
        for (ParseResult pr = parseResult; pr != null; pr = pr.subcommand()) {
            if (pr.hasMatchedOption("--verbose")) {
                return Boolean.TRUE.equals(pr.matchedOptionValue("--verbose", Boolean.FALSE));
            }
        }
        return false;
    }
}
