package dev.lethe.examples.demo;

import dev.lethe.eval.Progress;
import dev.lethe.eval.report.ModelChecksum;
import dev.lethe.scale.RunResult;
import dev.lethe.scale.RunSpec;
import dev.lethe.scale.SweepSpec;
import dev.lethe.scale.SweepTask;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import dev.lethe.unlearn.data.QaRecord;
import dev.lethe.unlearn.job.RelearnAttack;
import dev.lethe.unlearn.job.UnlearnJob;
import dev.lethe.unlearn.recipe.Recipe;
import dev.lethe.unlearn.recipe.Recipes;
import dev.lethe.unlearn.recipe.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One sweep run on the demo (TOFU-style) models, as a Spark task: unlearn the demo's forget authors from the target
 * model with the run's recipe, settings ({@link Demo#UNLEARN_SETTINGS}, then {@code baseSets}, then the run's) and
 * seed; evaluate like the demo (forget quality against the retain model's truth ratios, model utility, ROUGE, MIA);
 * optionally attack by relearning ({@code relearnSteps > 0}) and record the forget ROUGE-L after it. Paths are
 * strings and must be readable on every executor (a shared path).
 */
public record DemoSweepTask(String dataDir, String targetDir, double[] retainForgetTruthRatios, List<String> baseSets,
                            int relearnSamples, int relearnSteps, double relearnLr) implements SweepTask {
    public DemoSweepTask {
        baseSets = List.copyOf(baseSets);
    }

    @Override
    public void check(SweepSpec spec) {
        for (String name : spec.recipes()) {
            for (Map<String, String> s : spec.settings()) {
                settings(Recipes.get(name), s, spec.seeds().get(0));
            }
        }
        DemoData data = new DemoData(Path.of(dataDir));
        for (Path p : List.of(data.forget(), data.retain(), data.holdout(), data.idk(), data.tokenizer(),
                Path.of(targetDir, "model.safetensors"))) {
            if (!Files.isReadable(p)) {
                throw new IllegalArgumentException(p + ": not readable (every executor reads it at this path); run `./lethe demo`"
                        + " once to fill the cache, or point --cache at a folder every executor can read");
            }
        }
    }

    private Settings settings(Recipe recipe, Map<String, String> run, int seed) {
        return recipe.settings().with(Demo.UNLEARN_SETTINGS).with(baseSets).with(run)
                .with(Map.of("seed", Integer.toString(seed)));
    }

    @Override
    public RunResult run(RunSpec run, Path workDir) throws Exception {
        long t0 = System.nanoTime();
        DemoData data = new DemoData(Path.of(dataDir));
        Recipe recipe = Recipes.get(run.recipe());
        Map<String, Double> metrics = new LinkedHashMap<>();
        Path dir = workDir.resolve("model");
        try (Tokenizer tok = Tokenizers.load(data.tokenizer())) {
            List<QaRecord> forget = QaRecord.read(data.forget());
            UnlearnJob.run(new UnlearnJob.Inputs(CausalLM.load(Path.of(targetDir)), tok, forget,
                    QaRecord.read(data.retain()), UnlearnJob.readIdk(data.idk()), recipe,
                    settings(recipe, run.settings(), run.seed()), dir, false, null));
            Files.copy(data.tokenizer(), dir.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
            metrics.putAll(DemoEvaluation.headline(DemoEvaluation.evaluate(dir, CausalLM.load(dir), tok, data,
                    retainForgetTruthRatios, null, null, null, workDir.resolve("report"), Progress.NONE)));
            if (relearnSteps > 0) {
                CausalLM attacked = CausalLM.load(dir);
                Path relearnDir = workDir.resolve("relearned");
                RelearnAttack.run(attacked, tok, forget, relearnSamples, relearnSteps, relearnLr, run.seed(), 4,
                        relearnDir, false);
                Files.copy(data.tokenizer(), relearnDir.resolve("tokenizer.json"),
                        StandardCopyOption.REPLACE_EXISTING);
                metrics.put("relearned_forget_rougeL_recall", DemoEvaluation.headline(DemoEvaluation.evaluate(
                        relearnDir, attacked, tok, data, retainForgetTruthRatios, null, null, null,
                        relearnDir.resolve("report"), Progress.NONE)).get("forget_rougeL_recall"));
            }
        }
        return new RunResult(run, metrics, (System.nanoTime() - t0) / 1e9, ModelChecksum.of(dir).sha256());
    }
}
