package dev.lethe.examples.cli;

import dev.lethe.examples.demo.Demo;
import dev.lethe.examples.demo.Study;
import dev.lethe.examples.decoding.DecodingStudy;
import dev.lethe.examples.edit.MquakeStudy;
import dev.lethe.examples.lume.LumeStudy;
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
 * table (see {@link Study}); {@code --recipes a,b} limits the set. {@code --benchmark lume} runs the same on a LUME /
 * SemEval-2025 Task 4 subset with the SemEval metrics instead (see {@link LumeStudy}; table in OUT/lume/results.md),
 * {@code --benchmark all} runs both.
 */
@Command(name = "study", mixinStandardHelpOptions = true,
        description = "Run every unlearning recipe on the demo target and write a leaderboard table (--benchmark"
                + " lume: on a LUME / SemEval-2025 Task 4 subset with the SemEval metrics; all: both).")
public final class StudyCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--out", description = "Output folder (default: ${DEFAULT-VALUE}).", defaultValue = "lethe-study")
    Path out;

    @Option(names = "--cache", description = "Demo cache folder (default: <lethe home>/.lethe/demo); the LUME study"
            + " keeps its data, models and reports in its lume/ subfolder.")
    Path cache;

    /** The benchmarks {@code --benchmark} accepts. */
    static final List<String> BENCHMARKS = List.of("tofu", "lume", "all", "decoding", "mquake");

    @Option(names = "--benchmark", defaultValue = "tofu", description = "tofu (the demo's TOFU authors, table in"
            + " OUT/results.md), lume (a LUME / SemEval-2025 Task 4 subset with the SemEval metrics, table in"
            + " OUT/lume/results.md), all (both) or decoding (greedy, top-p, CD and APD on a family Lethe trains on"
            + " MQuAKE-hard facts, table in OUT/decoding/results.md) or mquake (MEMIT and K-Edit on a world model Lethe"
            + " trains on MQuAKE-hard facts, table in OUT/mquake/results.md; default: ${DEFAULT-VALUE}).")
    String benchmark;

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
        if (!BENCHMARKS.contains(benchmark)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "unknown --benchmark '" + benchmark
                    + "'; choose one of " + String.join(", ", BENCHMARKS));
        }
        Path home = Path.of(System.getProperty("lethe.home", "."));
        Path cacheDir = cache != null ? cache : home.resolve(".lethe").resolve("demo");
        PrintStream log = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true);
        if (benchmark.equals("decoding")) {
            decoding(home, log);
            return 0;
        }
        if (benchmark.equals("mquake")) {
            mquake(home, log);
            return 0;
        }
        List<String> names = recipeNames();
        if (!benchmark.equals("lume")) {
            tofu(home, cacheDir, names, log);
        }
        if (!benchmark.equals("tofu")) {
            lume(cacheDir, names, log, LumeStudy.DEFAULT);
        }
        return 0;
    }

    /** The decoding study (see {@link DecodingStudy}) with the shared data next to the Lethe folder. */
    private void decoding(Path home, PrintStream log) throws Exception {
        Path shared = home.toAbsolutePath().getParent().resolve("shared").resolve("data");
        Path mquake = shared.resolve("mquake").resolve("MQuAKE-hard.json");
        Path fp = shared.resolve("factualityprompt").resolve("fever_factual_1000.jsonl");
        for (Path p : List.of(mquake, fp)) {
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException(p + ": missing; the decoding study reads MQuAKE-hard and"
                        + " FactualityPrompt from the shared/data folder next to the Lethe folder");
            }
        }
        Path dir = out.resolve("decoding");
        DecodingStudy.Outcome outcome = DecodingStudy.run(mquake, fp,
                home.resolve("demo").resolve("models").resolve("target").resolve("tokenizer.json"), dir,
                DecodingStudy.Setup.defaults(), log);
        String table = DecodingStudy.table(outcome);
        Files.writeString(dir.resolve("results.md"), table);
        log.println();
        log.println(table);
        log.println("table: " + dir.resolve("results.md").toAbsolutePath());
    }

    /** The MQuAKE editing study (see {@link MquakeStudy}); the world model is cached in OUT/mquake/world. */
    private void mquake(Path home, PrintStream log) throws Exception {
        Path data = home.toAbsolutePath().getParent().resolve("shared").resolve("data").resolve("mquake");
        Path records = data.resolve("MQuAKE-hard.json");
        Path templates = data.resolve("prompts").resolve("templates").resolve("cloze_templates.json");
        for (Path p : List.of(records, templates)) {
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException(p + ": missing; the mquake study reads MQuAKE-hard and its cloze"
                        + " templates from the shared/data folder next to the Lethe folder");
            }
        }
        Path dir = out.resolve("mquake");
        MquakeStudy.Setup setup = MquakeStudy.Setup.defaults();
        MquakeStudy.Outcome outcome = MquakeStudy.run(records, templates,
                home.resolve("demo").resolve("models").resolve("target").resolve("tokenizer.json"), dir, setup, log);
        String table = MquakeStudy.table(outcome, setup.editRecords());
        Files.writeString(dir.resolve("results.md"), table);
        log.println();
        log.println(table);
        log.println("table: " + dir.resolve("results.md").toAbsolutePath());
    }

    /** The recipes to run, each checked to exist. */
    List<String> recipeNames() {
        List<String> names = recipes.isEmpty() ? Recipes.all().stream().map(Recipe::name).toList() : recipes;
        names.forEach(Recipes::get);
        return names;
    }

    private void tofu(Path home, Path cacheDir, List<String> names, PrintStream log) throws Exception {
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
    }

    /** The LUME study with {@code setup} (the default one from the command line; tests pass a tiny one). */
    void lume(Path cacheDir, List<String> names, PrintStream log, LumeStudy.Setup setup) throws Exception {
        String cmd = lumeCommand();
        Path dir = out.resolve("lume");
        Files.createDirectories(dir);
        Path tableFile = dir.resolve("results.md");
        Path jsonFile = dir.resolve("results.json");
        List<LumeStudy.Row> rows = LumeStudy.run(new LumeStudy.Options(cacheDir.resolve("lume"), dir, sets,
                relearnSamples, relearnSteps, relearnLr, false, log, setup), names, done -> {
                    writeQuietly(tableFile, LumeStudy.markdown(done, cmd));
                    writeQuietly(jsonFile, json(LumeStudy.json(done, cmd)));
                });
        String table = LumeStudy.markdown(rows, cmd);
        Files.writeString(tableFile, table);
        Files.writeString(jsonFile, json(LumeStudy.json(rows, cmd)));
        log.println();
        log.println(table);
        log.println("table: " + tableFile.toAbsolutePath());
    }

    /** The command line that reproduces the LUME table (the options that change its numbers). */
    String lumeCommand() {
        StringBuilder cmd = new StringBuilder("./lethe study --benchmark lume");
        if (!recipes.isEmpty()) {
            cmd.append(" --recipes ").append(String.join(",", recipes));
        }
        sets.forEach(s -> cmd.append(" --set ").append(s));
        if (relearnSamples != 10) {
            cmd.append(" --relearn-samples ").append(relearnSamples);
        }
        if (relearnSteps != 10) {
            cmd.append(" --relearn-steps ").append(relearnSteps);
        }
        if (relearnLr != 1e-3) {
            cmd.append(" --relearn-lr ").append(relearnLr);
        }
        return cmd.toString();
    }

    private static String json(com.fasterxml.jackson.databind.JsonNode n) {
        try {
            return dev.lethe.eval.report.Json.mapper().writeValueAsString(n);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
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
