package dev.lethe.examples.cli;

import java.io.PrintWriter;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The root {@code lethe} command. It owns only the options every subcommand shares ({@code --help},
 * {@code --version}, {@code --verbose}); each subcommand is one class listed in {@code subcommands} below, so
 * adding one (for example {@code tokenize} or {@code unlearn}) means writing its class and adding it to that list.
 * {@link #newCommandLine()} builds a ready-to-run picocli {@link CommandLine} with Lethe's error handling, for use
 * from Java or tests; only {@link #main(String[])} ends the JVM.
 */
@Command(
        name = "lethe",
        mixinStandardHelpOptions = true,
        versionProvider = LetheVersion.class,
        description = "Train, unlearn and edit language models in pure Java.",
        subcommands = {
            EngineInfoCommand.class,
            DemoCommand.class,
            StudyCommand.class,
            SweepCommand.class,
            InfoCommand.class,
            TokenizeCommand.class,
            CheckCommand.class,
            GenerateCommand.class,
            ApdCommand.class,
            T3Command.class,
            EvalCommand.class,
            ScoreCommand.class,
            TofuAggregateCommand.class,
            BenchCommand.class,
            UnlearnCommand.class,
            RelearnCommand.class,
            RecipesCommand.class,
            FinetuneCommand.class,
            DpoCommand.class,
            AidsafeCommand.class,
            EditCommand.class,
            CheckObjectiveCommand.class,
            MergeCommand.class,
            DistillCommand.class,
            ServeCommand.class,
            KeysCommand.class,
            AuditCommand.class,
            CommandLine.HelpCommand.class,
        })
public final class LetheCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "Print stack traces of errors and more detail.")
    boolean verbose;

    /** With no subcommand, print the usage and fail: there is nothing to do. */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand");
    }

    /** A {@link CommandLine} for the whole command tree, with Lethe's handler for errors in subcommands. */
    public static CommandLine newCommandLine() {
        CommandLine cl = new CommandLine(new LetheCli());
        cl.setExecutionExceptionHandler(new CliErrorHandler());
        cl.setExecutionStrategy(new CliErrorHandler.ReportingOutOfMemory());
        return cl;
    }

    /**
     * Runs the command line with {@code args}, writing to {@code out} and {@code err}; returns the exit code
     * (0 success, 1 failure, 2 bad usage).
     */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = newCommandLine();
        cl.setOut(out);
        cl.setErr(err);
        try {
            return cl.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** Entry point of the {@code lethe} launcher: runs the command and exits with its code. */
    public static void main(String[] args) {
        int code = newCommandLine().execute(args);
        System.exit(code);
    }
}
