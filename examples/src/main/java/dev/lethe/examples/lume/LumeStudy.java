package dev.lethe.examples.lume;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.eval.Progress;
import dev.lethe.eval.report.Json;
import dev.lethe.eval.semeval.LumeSubset;
import dev.lethe.examples.demo.Demo;
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
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code lethe study --benchmark lume}: the leaderboard on a LUME / SemEval-2025 Task 4 subset ({@link LumeSubset}).
 * A target model learns the forget and retain documents, a retain model only the retain documents
 * ({@link LumeModels}); every recipe unlearns the forget records (sentence completions and questions) from the same
 * target with the TOFU study's shared settings ({@link Demo#UNLEARN_SETTINGS}) plus the raw template, is evaluated
 * with the SemEval metrics ({@link LumeEvaluation}), then attacked by relearning (plain NLL fine-tuning on a few forget
 * records, as the TOFU study) and its forget regurgitation and knowledge measured again. The retain model is attacked
 * the same way, which shows how much the attack teaches a model that never saw the forget documents.
 */
public final class LumeStudy {
    /**
     * Unlearning settings shared by every recipe: the TOFU study's ({@link Demo#UNLEARN_SETTINGS}) with the raw template
     * of the LUME models and sequences up to the models' whole context (256 tokens: a Task2 biography is about 200
     * tokens of the demo tokenizer, so the TOFU study's 192 would cut the end of the longer ones).
     */
    public static final List<String> UNLEARN_SETTINGS;

    static {
        List<String> s = new ArrayList<>(Demo.UNLEARN_SETTINGS);
        s.replaceAll(x -> x.startsWith("max_length=") ? "max_length=256" : x);
        s.add("template=raw");
        UNLEARN_SETTINGS = List.copyOf(s);
    }

    /** Seed and batch size of the relearning attack (as the TOFU study). */
    static final long RELEARN_SEED = 0;
    static final int RELEARN_BATCH = 4;

    /**
     * What the study is made of: the models, the evaluation sizes and how many documents of each set to use (0 = all;
     * tests use a tiny model and a few documents).
     */
    public record Setup(LumeModels.Spec models, LumeEvaluation.Settings evaluation, int forgetDocs, int retainDocs,
                        int holdoutDocs) {
    }

    /** The study as `lethe study --benchmark lume` runs it. */
    public static final Setup DEFAULT = new Setup(LumeModels.DEFAULT, LumeEvaluation.DEFAULT, 0, 0, 0);

    /**
     * What to run. {@code cache} holds the data, the trained models and their reports; {@code out} the runs and the
     * table. {@code sets} override shared settings for every recipe.
     */
    public record Options(Path cache, Path out, List<String> sets, int relearnSamples, int relearnSteps,
                          double relearnLr, boolean retrain, PrintStream log, Setup setup) {
        public Options {
            sets = List.copyOf(sets);
        }
    }

    /** One row: headline numbers after unlearning, after the relearning attack (null where not run) and seconds. */
    public record Row(String recipe, Map<String, Double> after, Map<String, Double> relearned, double seconds) {
    }

    private LumeStudy() {
    }

    public static List<Row> run(Options o, List<String> recipes, Consumer<List<Row>> afterEachRow) throws IOException {
        PrintStream log = o.log();
        recipes.forEach(Recipes::get);
        LumeData data = LumeData.materialize(o.cache().resolve("data"));
        LumeData.Sets sets = data.load(o.setup().forgetDocs(), o.setup().retainDocs(), o.setup().holdoutDocs());
        LumeEvaluation.Settings es = o.setup().evaluation();
        List<Row> rows = new ArrayList<>();
        try (Tokenizer tok = Tokenizers.load(data.tokenizer())) {
            log.printf("[1/3] LUME %s subset: %d forget documents (%d records), %d retain documents (%d records),"
                    + " %d never-trained documents (MIA non-members)%n", LumeSubset.TASK, sets.forget().size(),
                    sets.forgetItems().size(), sets.retain().size(), sets.retainItems().size(),
                    sets.nonMembers().size());
            Path models = o.cache().resolve("models");
            Path targetDir = LumeModels.ensure(models.resolve("target"), "target", o.setup().models(),
                    LumeModels.targetRecords(sets), tok, data.tokenizer(), o.retrain(), log);
            Path retainDir = LumeModels.ensure(models.resolve("retain"), "retain", o.setup().models(),
                    LumeModels.retainRecords(sets), tok, data.tokenizer(), o.retrain(), log);
            List<QaRecord> forget = LumeModels.asQa(sets.forgetItems());
            List<QaRecord> retain = LumeModels.asQa(sets.retainItems());
            List<String> idk = UnlearnJob.readIdk(data.idk());

            log.println("[2/3] evaluating the target and the retain model");
            Map<String, Double> before = LumeEvaluation.headline(evaluate(targetDir, tok, sets, es,
                    o.cache().resolve("reports/target"), o.out().resolve("target")));
            Map<String, Double> gold = LumeEvaluation.headline(evaluate(retainDir, tok, sets, es,
                    o.cache().resolve("reports/retain"), o.out().resolve("retain-model")));
            Map<String, Double> goldRelearned = relearn(o, retainDir, tok, forget, sets, es,
                    o.out().resolve("retain-model").resolve("relearned"));
            rows.add(new Row("(target, before)", before, null, 0));
            rows.add(new Row("(retain model)", gold, goldRelearned, 0));
            afterEachRow.accept(Collections.unmodifiableList(rows));
            log.printf("   target: %s%n   retain model: %s%n", summary(before, null), summary(gold, goldRelearned));

            log.printf("[3/3] unlearning the forget records with %d recipe(s)%n", recipes.size());
            for (String name : recipes) {
                Recipe recipe = Recipes.get(name);
                log.printf("== %s (%s)%n", name, recipe.paper());
                List<String> needs = List.of();
                if (recipe.defaults().containsKey("reference_prompts")) { // LUNAR: the never-trained documents
                    Path prompts = o.out().resolve("reference_prompts.txt");
                    Files.write(prompts, sets.nonMembers().stream().map(t -> t.replace('\n', ' ')).toList());
                    needs = List.of("reference_prompts=" + prompts);
                }
                Settings s = recipe.settings().with(UNLEARN_SETTINGS).with(needs).with(o.sets());
                Path dir = o.out().resolve("runs").resolve(name);
                deleteRecursively(dir);
                long t0 = System.nanoTime();
                CausalLM model = CausalLM.load(targetDir);
                UnlearnJob.run(new UnlearnJob.Inputs(model, tok, forget, retain, idk, recipe, s, dir, false, null));
                double secs = (System.nanoTime() - t0) / 1e9;
                Files.copy(data.tokenizer(), dir.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
                Map<String, Double> h = LumeEvaluation.headline(LumeEvaluation.evaluate(dir, CausalLM.load(dir), tok,
                        sets, es, dir.resolve("report"), Progress.NONE));
                Map<String, Double> rel = relearn(o, dir, tok, forget, sets, es, dir.resolve("relearned"));
                rows.add(new Row(name, h, rel, secs));
                afterEachRow.accept(Collections.unmodifiableList(rows));
                log.printf("   %s (%.0f s)%n", summary(h, rel), secs);
            }
        }
        return rows;
    }

    /** Evaluates a cached model (its report cached in {@code cacheReport}) and copies report.json to {@code out}. */
    private static ObjectNode evaluate(Path modelDir, Tokenizer tok, LumeData.Sets sets, LumeEvaluation.Settings es,
            Path cacheReport, Path out) throws IOException {
        ObjectNode r = LumeEvaluation.evaluate(modelDir, CausalLM.load(modelDir), tok, sets, es, cacheReport,
                Progress.NONE);
        Files.createDirectories(out);
        Files.copy(cacheReport.resolve("report.json"), out.resolve("report.json"), StandardCopyOption.REPLACE_EXISTING);
        return r;
    }

    /** The relearning attack on the model in {@code modelDir}, then its forget regurgitation and knowledge. */
    private static Map<String, Double> relearn(Options o, Path modelDir, Tokenizer tok, List<QaRecord> forget,
            LumeData.Sets sets, LumeEvaluation.Settings es, Path out) throws IOException {
        deleteRecursively(out);
        CausalLM attacked = CausalLM.load(modelDir);
        RelearnAttack.run(attacked, tok, forget, o.relearnSamples(), o.relearnSteps(), o.relearnLr(), RELEARN_SEED,
                RELEARN_BATCH, List.of("template=raw"), out, false);
        Files.copy(modelDir.resolve("tokenizer.json"), out.resolve("tokenizer.json"),
                StandardCopyOption.REPLACE_EXISTING);
        return LumeEvaluation.forgetOnly(out, attacked, tok, sets, es, out.resolve("report"));
    }

    private static String summary(Map<String, Double> h, Map<String, Double> rel) {
        String s = String.format("forget regurgitation %s, knowledge %s; retain %s, %s; task aggregate %s,"
                + " MIA AUC %s", fmt(h.get("forget_regurgitation")), fmt(h.get("forget_knowledge")),
                fmt(h.get("retain_regurgitation")), fmt(h.get("retain_knowledge")), fmt(h.get("task_aggregate")),
                fmt(h.get("mia_auc")));
        return rel == null ? s : s + String.format("; after relearning: forget regurgitation %s, knowledge %s",
                fmt(rel.get("forget_regurgitation")), fmt(rel.get("forget_knowledge")));
    }

    /** The columns of the table: header and headline key (keys starting with "relearned." read the attack's). */
    static final String[][] COLUMNS = {
        {"forget regurgitation", "forget_regurgitation"},
        {"forget knowledge", "forget_knowledge"},
        {"retain regurgitation", "retain_regurgitation"},
        {"retain knowledge", "retain_knowledge"},
        {"forget score (HM of 1 - forget values)", "forget_score"},
        {"utility (HM of retain values)", "utility"},
        {"task aggregate", "task_aggregate"},
        {"MIA AUC", "mia_auc"},
        {"MIA score", "mia_score"},
        {"final score without MMLU", "final_score_without_mmlu"},
        {"forget regurgitation after relearning", "relearned.forget_regurgitation"},
        {"forget knowledge after relearning", "relearned.forget_knowledge"},
    };

    /** The markdown table and the command that made it. */
    public static String markdown(List<Row> rows, String command) {
        StringBuilder sb = new StringBuilder("| recipe |");
        StringBuilder rule = new StringBuilder("|---|");
        for (String[] c : COLUMNS) {
            sb.append(' ').append(c[0]).append(" |");
            rule.append("---:|");
        }
        sb.append(" unlearning wall time (s) |\n");
        rule.append("---:|\n");
        sb.append(rule);
        for (Row r : rows) {
            sb.append("| ").append(r.recipe()).append(" |");
            for (String[] c : COLUMNS) {
                sb.append(' ').append(fmt(value(r, c[1]))).append(" |");
            }
            sb.append(' ').append(r.seconds() == 0 ? "-" : String.format("%.0f", r.seconds())).append(" |\n");
        }
        sb.append("\nMade by `").append(command).append("`.\n");
        return sb.toString();
    }

    /** results.json: the command and every row's headline numbers. */
    public static ObjectNode json(List<Row> rows, String command) {
        var m = Json.mapper();
        ObjectNode root = m.createObjectNode();
        root.put("benchmark", "lume");
        root.put("command", command);
        root.set("unlearn_settings", m.valueToTree(UNLEARN_SETTINGS));
        ArrayNode a = root.putArray("rows");
        for (Row r : rows) {
            ObjectNode o = a.addObject();
            o.put("recipe", r.recipe());
            o.set("after", m.valueToTree(r.after()));
            o.set("relearned", r.relearned() == null ? null : m.valueToTree(r.relearned()));
            o.put("seconds", r.seconds());
        }
        return root;
    }

    private static Double value(Row r, String key) {
        if (key.startsWith("relearned.")) {
            return r.relearned() == null ? null : r.relearned().get(key.substring("relearned.".length()));
        }
        return r.after().get(key);
    }

    static String fmt(Double v) {
        if (v == null || v.isNaN()) {
            return "-";
        }
        return Math.abs(v) < 1e-3 && v != 0 ? String.format("%.2e", v) : String.format("%.3f", v);
    }

    static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var s = Files.walk(p)) {
            for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }
}
