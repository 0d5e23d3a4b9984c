package dev.lethe.examples.cli;

import dev.lethe.engine.io.CheckpointReader;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.unlearn.data.QaRecord;
import dev.lethe.unlearn.job.UnlearnJob;
import dev.lethe.unlearn.recipe.Recipe;
import dev.lethe.unlearn.recipe.Recipes;
import dev.lethe.unlearn.recipe.Settings;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.ObjectMapper;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lethe unlearn --model DIR --forget FILE --retain FILE --recipe NAME [--recipe-file F.yaml] [--set k=v]...
 * [--idk FILE] [--tokenizer PATH] --out DIR}: runs {@link UnlearnJob} and writes the unlearned Hugging Face folder,
 * {@code metrics.jsonl} and {@code recipe.json} to DIR. Settings resolve as the recipe's defaults, then the recipe file,
 * then {@code --set}. A run killed part-way is resumed by running the same command again (its checkpoint is in DIR);
 * the metrics lines written after that checkpoint are dropped first, so metrics.jsonl holds each step once.
 */
@Command(name = "unlearn", resourceBundle = "dev.lethe.examples.cli.UnlearnCommand", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Unlearn a forget set from a model with a named recipe (see 'lethe recipes').")
public final class UnlearnCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face model folder.")
    Path model;

    @Option(names = "--forget", required = true, paramLabel = "FILE",
            description = "Forget records: TOFU JSON lines (question, answer) or LUME/SemEval (id, input, output, task).")
    Path forget;

    @Option(names = "--retain", paramLabel = "FILE", description = "Retain records, same formats (needed by most"
            + " recipes).")
    Path retain;

    @Option(names = "--recipe", paramLabel = "NAME", description = "Recipe name (or 'recipe:' in --recipe-file).")
    String recipe;

    @Option(names = "--recipe-file", paramLabel = "FILE", description = "YAML/JSON object of settings, optionally"
            + " naming the recipe ('recipe: npo').")
    Path recipeFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one setting (repeatable; wins over the"
            + " recipe file).")
    List<String> sets = new ArrayList<>();

    @Option(names = "--idk", paramLabel = "FILE", description = "'I don't know' answers, one per line (TOFU's"
            + " idontknow.jsonl), for idkdpo and idknll.")
    Path idk;

    @Option(names = "--overwrite", description = "Replace a finished run already in --out instead of refusing.")
    boolean overwrite;

    @Mixin
    TrainingOutput output;

    /** Called after every step (tests use it to simulate a killed run). */
    Consumer<Map<String, Object>> stepListener;

    /** The recipe and its resolved settings: defaults, then the recipe file, then --set. */
    record Resolved(Recipe recipe, Settings settings) {
    }

    static Resolved resolve(String recipeName, Path recipeFile, List<String> sets) throws IOException {
        Map<String, String> file = new LinkedHashMap<>(recipeFile == null ? Map.of() : Settings.readFile(recipeFile));
        String named = file.get("recipe");
        if (recipeName == null && named == null) {
            throw new IllegalArgumentException("no recipe: pass --recipe NAME or put 'recipe: NAME' in --recipe-file"
                    + " (see 'lethe recipes')");
        }
        if (recipeName != null && named != null && !recipeName.equals(named)) {
            throw new IllegalArgumentException("--recipe " + recipeName + " disagrees with 'recipe: " + named + "' in "
                    + recipeFile + "; drop one of them");
        }
        Recipe r = Recipes.get(recipeName != null ? recipeName : named);
        file.remove("recipe");
        Settings s = r.settings();
        try {
            s = s.with(file);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(recipeFile + ": " + e.getMessage(), e);
        }
        return new Resolved(r, s.with(sets));
    }

    @Override
    public Integer call() throws IOException {
        Resolved res = resolve(recipe, recipeFile, sets);
        CausalLM lm = UnlearnCommandSupport.loadModel(model, "--model");
        List<QaRecord> forgetRecords = UnlearnCommandSupport.readRecords(forget, "--forget");
        List<QaRecord> retainRecords = retain == null ? List.of()
                : UnlearnCommandSupport.readRecords(retain, "--retain");
        List<String> idkAnswers = List.of();
        if (idk != null) {
            if (!Files.isRegularFile(idk)) {
                throw new IllegalArgumentException(idk + ": no such file (--idk)");
            }
            idkAnswers = UnlearnJob.readIdk(idk);
        }
        PrintWriter o = spec.commandLine().getOut();
        try (TrainingOutput.Run run = output.open("lethe unlearn --recipe " + res.recipe().name(), model)) {
            prepareOut(o);
            UnlearnJob.Result r = UnlearnJob.run(new UnlearnJob.Inputs(lm, run.tokenizer(), forgetRecords,
                    retainRecords, idkAnswers, res.recipe(), res.settings(), output.out, output.progress(),
                    stepListener));
            output.printSummary(o, "unlearn " + res.recipe().name(), r.outcome().steps(), r.outcome().lastMetrics());
            if (!r.settings().string("su").equals("none")) {
                o.printf("selective unlearning kept %.1f%% of forget answer tokens%n", 100 * r.fractionSelected());
            }
            o.flush();
        }
        return 0;
    }

    /**
     * Resuming: with a checkpoint, keep only the metrics lines up to its step. Without one, a metrics file is from a
     * finished run (refused unless --overwrite) or from a run killed before its first checkpoint (stale: removed).
     */
    private void prepareOut(PrintWriter o) throws IOException {
        Path out = output.out;
        Path metrics = out.resolve("metrics.jsonl");
        Path ckpt = out.resolve("checkpoint.safetensors");
        if (Files.isRegularFile(ckpt)) {
            long step;
            try (CheckpointReader r = CheckpointReader.open(ckpt)) {
                step = Long.parseLong(r.metadata().getOrDefault("step", "0"));
            }
            o.println("resuming from " + ckpt + " (step " + step + ")");
            o.flush();
            trimMetrics(metrics, step);
            return;
        }
        if (Files.isRegularFile(metrics)) {
            boolean finished = Files.isRegularFile(out.resolve("model.safetensors"))
                    || Files.isRegularFile(out.resolve(dev.lethe.transformer.model.LoraAdapter.WEIGHTS_FILE));
            if (finished && !overwrite) {
                throw new IllegalArgumentException(out + " already holds a finished run (metrics.jsonl, model); choose"
                        + " another --out or pass --overwrite");
            }
            Files.delete(metrics);
        }
    }

    /** Drops metrics lines whose step is past {@code step} (written after the checkpoint of a killed run). */
    static void trimMetrics(Path metrics, long step) throws IOException {
        if (!Files.isRegularFile(metrics)) {
            return;
        }
        ObjectMapper json = new ObjectMapper();
        List<String> kept = new ArrayList<>();
        for (String line : Files.readAllLines(metrics)) {
            if (line.isBlank()) {
                continue;
            }
            try {
                if (json.readTree(line).path("step").asLong(Long.MAX_VALUE) <= step) {
                    kept.add(line);
                }
            } catch (IOException e) {
                // a line cut short by the kill
            }
        }
        Files.write(metrics, kept);
    }
}
