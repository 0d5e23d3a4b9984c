package dev.lethe.examples.cli;

import dev.lethe.examples.demo.Demo;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lethe demo}: the built-in end-to-end unlearning study (see {@link Demo}). Models come from the demo cache, the
 * repository's shipped copies ({@code demo/models}) or are trained ({@code --retrain}); the report is written under
 * {@code --out} and its path printed last.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Unlearn two fictitious TOFU authors from a small model Lethe trained, and report before/after.")
public final class DemoCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--out", description = "Output folder (default: ${DEFAULT-VALUE}).", defaultValue = "lethe-demo")
    Path out;

    @Option(names = "--cache", description = "Cache folder for data, models and reports (default: <lethe home>/.lethe/demo).")
    Path cache;

    @Option(names = "--retrain", description = "Train the target and retain models anew instead of using shipped or cached ones.")
    boolean retrain;

    @Option(names = "--recipe", description = "Unlearning recipe (default: ${DEFAULT-VALUE}; see `lethe recipes`).",
            defaultValue = Demo.DEFAULT_RECIPE)
    String recipe;

    @Option(names = "--set", description = "Override a recipe setting, key=value (repeatable).")
    List<String> sets = new ArrayList<>();

    @Option(names = "--no-progress", description = "Do not draw progress bars.")
    boolean noProgress;

    @Override
    public Integer call() throws Exception {
        Path home = Path.of(System.getProperty("lethe.home", "."));
        Path cacheDir = cache != null ? cache : home.resolve(".lethe").resolve("demo");
        PrintStream log = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true);
        if (spec.commandLine().getOut() != null) {
            log = new PrintStream(new WriterOutputStream(spec.commandLine().getOut()), true);
        }
        Demo.run(new Demo.Options(cacheDir, home.resolve("demo").resolve("models"), out, retrain, recipe, sets,
                !noProgress, log));
        return 0;
    }

    /** Bridges picocli's writer to the demo's PrintStream. */
    private static final class WriterOutputStream extends java.io.OutputStream {
        private final java.io.PrintWriter w;

        WriterOutputStream(java.io.PrintWriter w) {
            this.w = w;
        }

        @Override
        public void write(int b) {
            w.write(b);
            if (b == '\n') {
                w.flush();
            }
        }
    }
}
