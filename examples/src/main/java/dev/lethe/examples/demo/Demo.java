package dev.lethe.examples.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.eval.Progress;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import dev.lethe.unlearn.data.QaRecord;
import dev.lethe.unlearn.job.UnlearnJob;
import dev.lethe.unlearn.recipe.Recipe;
import dev.lethe.unlearn.recipe.Recipes;
import dev.lethe.unlearn.recipe.Settings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The built-in end-to-end study behind {@code lethe demo}: a target model that knows two fictitious TOFU authors (and
 * four others), a retain model that never saw the two, unlearning the two from the target with a published recipe, and
 * a before/after TOFU-style report (forget quality, model utility, forget ROUGE, membership inference). The models come
 * from the demo cache, or from the repository's shipped copies, or are trained on the spot ({@code retrain}).
 */
public final class Demo {
    /**
     * The default recipe: PDU (logit-margin flattening under a retain-loss constraint, arXiv 2506.05314), the best
     * measured on the demo models (docs/results.md): forget quality 6.6e-5 -> 0.029 with retain utility 0.72 -> 0.64
     * (against the retain model retrained on 2026-12-02).
     */
    public static final String DEFAULT_RECIPE = "pdu";

    /** Unlearning settings shared by every recipe in the demo and the study. */
    public static final List<String> UNLEARN_SETTINGS = List.of("lr=1e-3", "epochs=5", "batch_size=8",
            "max_length=192", "warmup_epochs=1", "schedule=linear", "weight_decay=0", "seed=0");

    /** What to run. {@code shippedModels} is a folder holding target/ and retain/ model folders, or null. */
    public record Options(Path cache, Path shippedModels, Path out, boolean retrain, String recipe, List<String> sets,
                          boolean progressBar, PrintStream log) {
    }

    /** Headline numbers of the three models and the report's path. */
    public record Outcome(Path reportHtml, Map<String, Double> target, Map<String, Double> unlearned,
                          Map<String, Double> retain) {
    }

    private Demo() {
    }

    public static Outcome run(Options o) throws IOException {
        PrintStream log = o.log();
        DemoData data = DemoData.materialize(o.cache().resolve("data"));
        printPlan(log, o, QaRecord.read(data.forget()).size());
        try (Tokenizer tok = Tokenizers.load(data.tokenizer())) {
            Path targetDir = model(o, "target", DemoModels.targetData(data), tok, data);
            Path retainDir = model(o, "retain", DemoModels.retainData(data), tok, data);
            Progress progress = o.progressBar() ? new StageProgress(log) : Progress.NONE;

            log.println("[2/4] evaluating the retain model (the gold standard: never saw the forget authors)");
            CausalLM retainModel = CausalLM.load(retainDir);
            ObjectNode retainReport = DemoEvaluation.evaluate(retainDir, retainModel, tok, data, null, null, null, null,
                    o.cache().resolve("reports/retain"), progress);
            double[] reference = dev.lethe.eval.report.TofuReport.forgetTruthRatios(retainReport, "retain model");

            log.println("[3/4] evaluating the target model (before unlearning)");
            CausalLM target = CausalLM.load(targetDir);
            ObjectNode before = DemoEvaluation.evaluate(targetDir, target, tok, data, reference, null, null, null,
                    o.cache().resolve("reports/target"), progress);

            Recipe recipe = Recipes.get(o.recipe());
            Settings settings = recipe.settings().with(UNLEARN_SETTINGS).with(o.sets());
            log.printf("[4/4] unlearning the forget authors with %s (%s): %s%n", recipe.name(), recipe.paper(),
                    recipe.summary());
            Path unlearnedDir = o.out().resolve("unlearned");
            deleteRecursively(unlearnedDir);
            List<QaRecord> forget = QaRecord.read(data.forget());
            List<QaRecord> retain = QaRecord.read(data.retain());
            UnlearnJob.run(new UnlearnJob.Inputs(target, tok, forget, retain, UnlearnJob.readIdk(data.idk()), recipe,
                    settings, unlearnedDir, o.progressBar(), null));
            Files.copy(data.tokenizer(), unlearnedDir.resolve("tokenizer.json"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            log.println("      evaluating the unlearned model");
            CausalLM unlearned = CausalLM.load(unlearnedDir);
            Path reportDir = o.out().resolve("report");
            ObjectNode after = DemoEvaluation.evaluate(unlearnedDir, unlearned, tok, data, reference, before,
                    "target model (before unlearning)", unlearnedDir.resolve("metrics.jsonl"), reportDir, progress);
            Outcome outcome = new Outcome(reportDir.resolve("report.html"), DemoEvaluation.headline(before),
                    DemoEvaluation.headline(after), DemoEvaluation.headline(retainReport));
            printSummary(log, outcome);
            return outcome;
        }
    }

    /** The model folder to use: cached, else shipped (copied to the cache), else trained now. */
    private static Path model(Options o, String name, List<QaRecord> records, Tokenizer tok, DemoData data)
            throws IOException {
        Path cached = o.cache().resolve("models").resolve(name);
        boolean have = Files.isRegularFile(cached.resolve("model.safetensors"));
        if (o.retrain() || !have) {
            Path shipped = o.shippedModels() == null ? null : o.shippedModels().resolve(name);
            if (!o.retrain() && shipped != null && Files.isRegularFile(shipped.resolve("model.safetensors"))) {
                o.log().printf("[1/4] using the shipped %s model (%s); `lethe demo --retrain` trains it anew%n", name,
                        shipped);
                return shipped;
            }
            o.log().printf("[1/4] training the %s model on %d question/answer pairs (%s)%n", name, records.size(),
                    name.equals("target") ? "forget + retain authors" : "retain authors only");
            deleteRecursively(cached);
            DemoModels.train(records, tok, data.tokenizer(), cached, o.progressBar(), null);
        } else {
            o.log().printf("[1/4] using the cached %s model (%s)%n", name, cached);
        }
        return cached;
    }

    /** What the demo will do and roughly how long it takes, printed before it starts. */
    static void printPlan(PrintStream log, Options o, int forgetPairs) {
        boolean shipped = o.shippedModels() != null
                && Files.isRegularFile(o.shippedModels().resolve("target").resolve("model.safetensors"));
        boolean cached = Files.isRegularFile(o.cache().resolve("models/target/model.safetensors"));
        boolean training = o.retrain() || !shipped && !cached;
        log.println("lethe demo: make a small model forget two fictitious TOFU authors (" + forgetPairs
                + " question/answer pairs) with the " + o.recipe() + " recipe,");
        log.println("  then compare it with the model before unlearning and with a retain model that never saw them.");
        log.println("  Steps: [1/4] " + (training ? "train the target and retain models" : "load the target and retain"
                + " models") + ", [2/4] evaluate the retain model, [3/4] evaluate the target,"
                + " [4/4] unlearn and evaluate the result.");
        log.println("  Takes about " + (training ? "20 minutes" : "3-5 minutes") + " on 2 cores"
                + (training ? " (training included)" : "") + "; writes " + o.out().resolve("report")
                .resolve("report.html") + ".");
        log.println();
    }

    /**
     * The three numbers that matter, before -> after with the retain model as the goal, and what a good result looks
     * like; printed at the end.
     */
    static void printReading(PrintStream log, Outcome o) {
        String[][] rows = {{"forget quality", "forget_quality"}, {"model utility", "model_utility_retain"},
            {"forget ROUGE-L", "forget_rougeL_recall"}};
        log.println("The three numbers that matter (target -> unlearned; the retain model is the goal):");
        for (String[] r : rows) {
            log.printf("  %-15s %s -> %s   (retain model %s)%n", r[0], fmt(o.target().get(r[1])),
                    fmt(o.unlearned().get(r[1])), fmt(o.retain().get(r[1])));
        }
        log.println("Reading: good unlearning raises forget quality from near 0 toward 1 (above 0.05 the forget answers"
                + " are statistically indistinguishable from the retain model's), keeps model utility close to the"
                + " target's, and lowers forget ROUGE-L toward the retain model's.");
    }

    static void printSummary(PrintStream log, Outcome o) {
        log.println();
        log.printf("%-28s %12s %12s %12s%n", "", "target", "unlearned", "retain model");
        String[][] rows = {{"forget quality (KS p-value)", "forget_quality"},
            {"model utility (retain)", "model_utility_retain"}, {"forget ROUGE-L recall", "forget_rougeL_recall"},
            {"forget probability", "forget_probability"}, {"retain ROUGE-L recall", "retain_rougeL_recall"},
            {"MIA AUC (forget vs holdout)", "mia_loss_auc"}};
        for (String[] r : rows) {
            log.printf("%-28s %12s %12s %12s%n", r[0], fmt(o.target().get(r[1])), fmt(o.unlearned().get(r[1])),
                    fmt(o.retain().get(r[1])));
        }
        log.println();
        printReading(log, o);
        log.println();
        log.println("report: " + o.reportHtml().toAbsolutePath());
    }

    private static String fmt(Double v) {
        if (v == null) {
            return "-";
        }
        return Math.abs(v) < 1e-3 && v != 0 ? String.format("%.2e", v) : String.format("%.4f", v);
    }

    static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var s = Files.walk(p)) {
            List<Path> all = new ArrayList<>(s.toList());
            java.util.Collections.reverse(all);
            for (Path x : all) {
                Files.delete(x);
            }
        }
    }

    /** Prints evaluation stages as they progress. */
    private static final class StageProgress implements Progress {
        private final PrintStream out;
        private String last = "";

        StageProgress(PrintStream out) {
            this.out = out;
        }

        @Override
        public void update(String stage, int done, int total) {
            if (!stage.equals(last) || done == total) {
                out.printf("      %s %d/%d%n", stage, done, total);
                last = stage;
            }
        }
    }
}
