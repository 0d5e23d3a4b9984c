package dev.lethe.examples.cli;

import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * Turns an exception thrown by a subcommand into one clear line on the error stream ({@code lethe: message})
 * and exit code 1; the stack trace is printed only when {@code --verbose} was given.
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
        } else {
            err.println("(run again with --verbose for the stack trace)");
        }
        err.flush();
        return FAILURE;
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
