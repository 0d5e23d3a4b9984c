package dev.lethe.examples.cli;

import dev.lethe.examples.demo.Demo;
import dev.lethe.examples.demo.Study;
import dev.lethe.unlearn.recipe.Recipe;
import dev.lethe.unlearn.recipe.Recipes;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lethe study}: every recipe on the demo's target model, evaluated and attacked by relearning, as one markdown
 * table (see {@link Study}); {@code --recipes a,b} limits the set.
 */
@Command(name = "study", mixinStandardHelpOptions = true,
        description = "Run every unlearning recipe on the demo target and write a leaderboard table.")
public final class StudyCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--out", description = "Output folder (default: ${DEFAULT-VALUE}).", defaultValue = "lethe-study")
    Path out;

    @Option(names = "--cache", description = "Demo cache folder (default: <lethe home>/.lethe/demo).")
    Path cache;

    @Option(names = "--recipes", split = ",", description = "Recipes to run (default: all).")
    List<String> recipes = new ArrayList<>();

    @Option(names = "--set", description = "Override a shared setting for every recipe, key=value (repeatable).")
    List<String> sets = new ArrayList<>();

    @Option(names = "--relearn-samples", defaultValue = "10", description = "Forget samples of the relearning attack.")
    int relearnSamples;

    @Option(names = "--relearn-steps", defaultValue = "10", description = "Steps of the relearning attack.")
    int relearnSteps;

    @Option(names = "--relearn-lr", defaultValue = "1e-3", description = "Learning rate of the relearning attack.")
    double relearnLr;

    @Override
    public Integer call() throws Exception {
        Path home = Path.of(System.getProperty("lethe.home", "."));
        Path cacheDir = cache != null ? cache : home.resolve(".lethe").resolve("demo");
        PrintStream log = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true);
        List<String> names = recipes.isEmpty() ? Recipes.all().stream().map(Recipe::name).toList() : recipes;
        names.forEach(Recipes::get);
        StringBuilder cmd = new StringBuilder("./lethe study");
        if (!recipes.isEmpty()) {
            cmd.append(" --recipes ").append(String.join(",", recipes));
        }
        sets.forEach(s -> cmd.append(" --set ").append(s));
        Files.createDirectories(out);
        Path tableFile = out.resolve("results.md");
        List<Study.Row> rows = Study.run(new Demo.Options(cacheDir, home.resolve("demo").resolve("models"), out, false,
                Demo.DEFAULT_RECIPE, sets, false, log), names, relearnSamples, relearnSteps, relearnLr,
                done -> writeQuietly(tableFile, Study.markdown(done, cmd.toString())));
        String table = Study.markdown(rows, cmd.toString());
        Files.writeString(tableFile, table);
        log.println();
        log.println(table);
        log.println("table: " + out.resolve("results.md").toAbsolutePath());
        return 0;
    }

    /** Rewrites the table after each recipe, so a long study that is stopped still leaves its finished rows. */
    private static void writeQuietly(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
