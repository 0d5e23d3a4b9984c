package dev.lethe.examples.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.eval.Progress;
import dev.lethe.eval.report.TofuReport;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import dev.lethe.unlearn.data.QaRecord;
import dev.lethe.unlearn.job.RelearnAttack;
import dev.lethe.unlearn.job.UnlearnJob;
import dev.lethe.unlearn.recipe.Recipe;
import dev.lethe.unlearn.recipe.Recipes;
import dev.lethe.unlearn.recipe.Settings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code lethe study}: the leaderboard. Every recipe unlearns the demo's forget authors from the same target model with
 * the same shared settings ({@link Demo#UNLEARN_SETTINGS}) and seed; each result is evaluated like the demo (forget
 * quality, retain model utility, forget ROUGE-L, MIA AUC), then attacked by relearning (plain NLL fine-tuning on 10
 * forget samples for 10 steps, lr 1e-3) and its forget ROUGE-L measured again. Writes results.md (a markdown table
 * with the command that made it) and results.json.
 */
public final class Study {
    /** One row of the table. */
    public record Row(String recipe, Map<String, Double> after, Double relearnedForgetRouge, double seconds) {
    }

    private Study() {
    }

    public static List<Row> run(Demo.Options o, List<String> recipes, int relearnSamples, int relearnSteps,
            double relearnLr, java.util.function.Consumer<List<Row>> afterEachRow) throws IOException {
        PrintStream log = o.log();
        DemoData data = DemoData.materialize(o.cache().resolve("data"));
        List<Row> rows = new ArrayList<>();
        try (Tokenizer tok = Tokenizers.load(data.tokenizer())) {
            Demo.Outcome base = Demo.run(new Demo.Options(o.cache(), o.shippedModels(), o.out().resolve("demo"), false,
                    Demo.DEFAULT_RECIPE, List.of(), o.progressBar(), log));
            Path targetDir = Files.isRegularFile(o.cache().resolve("models/target/model.safetensors"))
                    ? o.cache().resolve("models/target") : o.shippedModels().resolve("target");
            ObjectNode retainReport = (ObjectNode) dev.lethe.eval.report.Json.readReport(
                    o.cache().resolve("reports/retain/report.json"));
            double[] reference = TofuReport.forgetTruthRatios(retainReport, "retain model");
            List<QaRecord> forget = QaRecord.read(data.forget());
            List<QaRecord> retain = QaRecord.read(data.retain());
            List<String> idk = UnlearnJob.readIdk(data.idk());
            rows.add(new Row("(target, before)", base.target(), null, 0));
            rows.add(new Row("(retain model)", base.retain(), null, 0));
            for (String name : recipes) {
                Recipe recipe = Recipes.get(name);
                log.printf("== %s (%s)%n", name, recipe.paper());
                if (recipe.defaults().containsKey("step_records")
                        && !Files.isDirectory(targetDir.resolve("step_records"))) {
                    log.printf("   skipped: %s removes recorded fine-tuning steps, and %s was fine-tuned without"
                            + " record_steps%n", name, targetDir);
                    continue;
                }
                long t0 = System.nanoTime();
                CausalLM model = CausalLM.load(targetDir);
                // LUNAR's reference prompts: the never-seen holdout authors' questions, which the target cannot answer
                List<String> needs = recipe.defaults().containsKey("reference_prompts")
                        ? List.of("reference_prompts=" + data.holdout())
                        : recipe.defaults().containsKey("step_records")
                        ? List.of("step_records=" + targetDir.resolve("step_records")) : List.of();
                Settings s = recipe.settings().with(Demo.UNLEARN_SETTINGS).with(needs).with(o.sets());
                Path dir = o.out().resolve("runs").resolve(name);
                Demo.deleteRecursively(dir);
                UnlearnJob.run(new UnlearnJob.Inputs(model, tok, forget, retain, idk, recipe, s, dir, false, null));
                double secs = (System.nanoTime() - t0) / 1e9;
                Files.copy(data.tokenizer(), dir.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
                ObjectNode report = DemoEvaluation.evaluate(dir, CausalLM.load(dir), tok, data, reference, null, null,
                        null, dir.resolve("report"), Progress.NONE);
                CausalLM attacked = CausalLM.load(dir);
                Path relearnDir = dir.resolve("relearned");
                RelearnAttack.run(attacked, tok, forget, relearnSamples, relearnSteps, relearnLr, 0, 4, relearnDir,
                        false);
                Files.copy(data.tokenizer(), relearnDir.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
                ObjectNode relearned = DemoEvaluation.evaluate(relearnDir, attacked, tok, data, reference, null, null,
                        null, relearnDir.resolve("report"), Progress.NONE);
                Map<String, Double> h = DemoEvaluation.headline(report);
                rows.add(new Row(name, h, DemoEvaluation.headline(relearned).get("forget_rougeL_recall"), secs));
                afterEachRow.accept(rows);
                log.printf("   forget quality %s, utility %s, forget ROUGE %s, after relearning %s (%.0f s)%n",
                        h.get("forget_quality"), h.get("model_utility_retain"), h.get("forget_rougeL_recall"),
                        rows.get(rows.size() - 1).relearnedForgetRouge(), secs);
            }
        }
        return rows;
    }

    /** The markdown table. */
    public static String markdown(List<Row> rows, String command) {
        StringBuilder sb = new StringBuilder();
        sb.append("| recipe | forget quality | model utility (retain) | forget ROUGE-L | MIA AUC | forget ROUGE-L after"
                + " relearning | unlearning wall time (s) |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            sb.append("| ").append(r.recipe()).append(" | ").append(fmt(r.after().get("forget_quality")))
                    .append(" | ").append(fmt(r.after().get("model_utility_retain")))
                    .append(" | ").append(fmt(r.after().get("forget_rougeL_recall")))
                    .append(" | ").append(fmt(r.after().get("mia_loss_auc")))
                    .append(" | ").append(fmt(r.relearnedForgetRouge()))
                    .append(" | ").append(r.seconds() == 0 ? "-" : String.format("%.0f", r.seconds())).append(" |\n");
        }
        sb.append("\nMade by `").append(command).append("`.\n");
        return sb.toString();
    }

    private static String fmt(Double v) {
        if (v == null) {
            return "-";
        }
        return Math.abs(v) < 1e-3 && v != 0 ? String.format("%.2e", v) : String.format("%.3f", v);
    }
}
