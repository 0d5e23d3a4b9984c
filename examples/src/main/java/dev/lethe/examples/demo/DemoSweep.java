package dev.lethe.examples.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.eval.Progress;
import dev.lethe.eval.report.TofuReport;
import dev.lethe.scale.Selection;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The driver's side of {@code lethe sweep --benchmark tofu}: finds the demo's target and retain models (cache, then
 * shipped copies), evaluates both once (reports are cached by model checksum) for the retain model's forget truth
 * ratios and the target's utility, and builds the {@link DemoSweepTask} every Spark task runs; then formats the
 * selection table.
 */
public final class DemoSweep {
    /** The task for the executors and the target model's utility (the selection's bar is a fraction of it). */
    public record Prepared(DemoSweepTask task, double targetUtility) {
    }

    private DemoSweep() {
    }

    public static Prepared prepare(Path cache, Path shippedModels, List<String> baseSets, int relearnSamples,
            int relearnSteps, double relearnLr, PrintStream log) throws IOException {
        Path targetDir = model(cache, shippedModels, "target");
        Path retainDir = model(cache, shippedModels, "retain");
        DemoData data = DemoData.materialize(cache.resolve("data"));
        try (Tokenizer tok = Tokenizers.load(data.tokenizer())) {
            log.println("sweep: evaluating the retain and target models once (cached by checksum)");
            ObjectNode retain = DemoEvaluation.evaluate(retainDir, CausalLM.load(retainDir), tok, data, null, null,
                    null, null, cache.resolve("reports/retain"), Progress.NONE);
            double[] reference = TofuReport.forgetTruthRatios(retain, "retain model");
            ObjectNode target = DemoEvaluation.evaluate(targetDir, CausalLM.load(targetDir), tok, data, reference, null,
                    null, null, cache.resolve("reports/target"), Progress.NONE);
            double utility = DemoEvaluation.headline(target).get("model_utility_retain");
            return new Prepared(new DemoSweepTask(data.dir().toAbsolutePath().toString(),
                    targetDir.toAbsolutePath().toString(), reference, baseSets, relearnSamples, relearnSteps,
                    relearnLr), utility);
        }
    }

    private static Path model(Path cache, Path shippedModels, String name) {
        Path cached = cache.resolve("models").resolve(name);
        if (Files.isRegularFile(cached.resolve("model.safetensors"))) {
            return cached;
        }
        Path shipped = shippedModels.resolve(name);
        if (Files.isRegularFile(shipped.resolve("model.safetensors"))) {
            return shipped;
        }
        throw new IllegalArgumentException(cached + ": no demo " + name + " model (nor in " + shipped
                + "); run `./lethe demo` once to train it");
    }

    /** The selection as a markdown table: the chosen settings, their numbers on the selection seed and the others. */
    public static String markdown(List<Selection.Choice> choices, double targetUtility, double fraction, int seed) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Selection: per recipe, the best forget quality on seed %d with model"
                + " utility >= %.2f x %.3f (the target's); reported as mean ± std over the other seeds.%n%n", seed,
                fraction, targetUtility));
        sb.append("| recipe | settings | forget quality (seed ").append(seed).append(") | utility (seed ").append(seed)
                .append(") | forget quality | model utility (retain) | forget ROUGE-L | MIA AUC | seeds |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Selection.Choice c : choices) {
            if (c.settings() == null) {
                sb.append("| ").append(c.recipe()).append(" | no setting keeps the utility bar | - | - | - | - | - | - | 0 |\n");
                continue;
            }
            Map<String, Selection.Stat> r = c.reported();
            sb.append("| ").append(c.recipe()).append(" | ").append(c.settings()).append(" | ")
                    .append(fmt(c.selectionQuality())).append(" | ").append(fmt(c.selectionUtility()));
            for (String m : List.of("forget_quality", "model_utility_retain", "forget_rougeL_recall", "mia_loss_auc")) {
                Selection.Stat s = r.get(m);
                sb.append(" | ").append(s == null ? "-" : fmt(s.mean()) + " ± " + fmt(s.std()));
            }
            sb.append(" | ").append(r.isEmpty() ? 0 : r.values().iterator().next().n()).append(" |\n");
        }
        return sb.toString();
    }

    private static String fmt(double v) {
        return Math.abs(v) < 1e-3 && v != 0 ? String.format(Locale.ROOT, "%.2e", v)
                : String.format(Locale.ROOT, "%.3f", v);
    }
}
