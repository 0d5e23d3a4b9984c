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

    /**
     * Runs the parsed command like picocli's {@code RunLast}, but an {@link OutOfMemoryError} (an Error, so picocli's
     * exception handler never sees it) ends as one line saying which limit was hit and how to raise it, exit code 1,
     * instead of a stack trace. The JVM is left in whatever state the error left it: this only reports.
     */
    static final class ReportingOutOfMemory implements CommandLine.IExecutionStrategy {
        @Override
        public int execute(ParseResult parseResult) {
            try {
                return new CommandLine.RunLast().execute(parseResult);
            } catch (OutOfMemoryError e) {
                var err = parseResult.commandSpec().commandLine().getErr();
                err.println("lethe: out of memory (" + describe(e) + "): " + outOfMemoryAdvice(e));
                if (verbose(parseResult)) {
                    e.printStackTrace(err);
                }
                err.flush();
                return FAILURE;
            }
        }
    }

    /** Which limit an OutOfMemoryError names, and the launcher setting that raises it. */
    static String outOfMemoryAdvice(OutOfMemoryError e) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("maxPhysicalBytes") || m.contains("maxBytes") || m.contains("Physical memory")) {
            return "ND4J's off-heap limit was reached; raise it with LETHE_JAVA_OPTS=\"-Dorg.bytedeco.javacpp.maxbytes=8G"
                    + " -Dorg.bytedeco.javacpp.maxphysicalbytes=12G\" (or use a smaller batch, --set recompute=true,"
                    + " or LoRA), and stop other Lethe processes on this machine";
        }
        return "the Java heap is full; raise it with LETHE_JAVA_OPTS=\"-Xmx8g\" (the launcher's default is a quarter of"
                + " the machine's memory) or use a smaller batch";
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
