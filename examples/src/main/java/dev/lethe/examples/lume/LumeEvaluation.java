package dev.lethe.examples.lume;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.eval.Progress;
import dev.lethe.eval.metrics.HarmonicMean;
import dev.lethe.eval.report.Json;
import dev.lethe.eval.report.ModelChecksum;
import dev.lethe.eval.semeval.LumeItem;
import dev.lethe.eval.semeval.SemEvalReport;
import dev.lethe.eval.semeval.SemEvalRunner;
import dev.lethe.eval.semeval.SemEvalScorer;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SemEval-2025 Task 4 evaluation of one LUME study model with the official metrics ({@link SemEvalScorer}): greedy
 * completions of every forget and retain record's input (regurgitation = ROUGE-L recall of sc records, knowledge =
 * exact match of qa records, per task), the task aggregate (harmonic mean of the forget values inverted and the retain
 * values), and the loss MIA of whole forget documents (members) against never-trained documents (non-members): AUC and
 * {@code mia_score = 1 - 2|AUC - 0.5|}. MMLU is not measured: a d128 model trained on a few hundred sentences answers
 * four-way multiple choice at chance by construction, so the official final score (mean of task aggregate, MIA score
 * and MMLU) is replaced by the mean of the first two ({@code final_score_without_mmlu}). The headline adds the two
 * halves of the task aggregate: {@code forget_score} (harmonic mean of the inverted forget values, the "forget quality"
 * side) and {@code utility} (harmonic mean of the retain values). Reports are cached by model checksum.
 */
public final class LumeEvaluation {
    /** Generation and scoring sizes. */
    public record Settings(int batchSize, int maxNewTokens, int maxLength) {
    }

    /**
     * Batch 16, the official 256 new tokens (clipped by the generator to what the models' 256-position context leaves
     * after the batch's longest prompt, which still leaves room for every gold continuation of the subset), sequences
     * up to 256 tokens.
     */
    public static final Settings DEFAULT = new Settings(16, 256, 256);

    private LumeEvaluation() {
    }

    /**
     * Evaluates (or reuses a cached report of) the model in {@code modelDir}; returns report.json's content and writes
     * it to {@code out}.
     */
    public static ObjectNode evaluate(Path modelDir, CausalLM model, Tokenizer tok, LumeData.Sets sets, Settings es,
            Path out, Progress progress) throws IOException {
        ModelChecksum sum = ModelChecksum.of(modelDir);
        Map<String, Object> settings = settings(sets, es);
        Path cached = out.resolve("report.json");
        if (Files.isRegularFile(cached)) {
            JsonNode old = Json.readReport(cached);
            if (sum.sha256().equals(old.path("model").path("sha256").asText())
                    && old.path("settings").equals(Json.mapper().valueToTree(settings))) {
                return (ObjectNode) old;
            }
        }
        SemEvalRunner runner = new SemEvalRunner(model, tok, es.batchSize(), es.maxNewTokens(), es.maxLength(),
                progress);
        List<LumeItem> all = new ArrayList<>(sets.forgetItems());
        all.addAll(sets.retainItems());
        Map<String, String> gens = runner.generate(all, "generation");
        SemEvalScorer.MiaNlls mia = new SemEvalScorer.MiaNlls(runner.documentNll(sets.members(), "mia: members"),
                runner.documentNll(sets.nonMembers(), "mia: non-members"));
        SemEvalScorer.Result r = SemEvalScorer.score(sets.forgetItems(), sets.retainItems(), gens, mia, null);
        ObjectNode report = SemEvalReport.build(r, modelDir, sum, settings);
        ObjectNode head = (ObjectNode) report.path("headline");
        head.put("forget_regurgitation", r.forget().overallRegurgitation());
        head.put("forget_knowledge", r.forget().overallKnowledge());
        head.put("retain_regurgitation", r.retain().overallRegurgitation());
        head.put("retain_knowledge", r.retain().overallKnowledge());
        head.put("forget_score", halfAggregate(r.forget(), true));
        head.put("utility", halfAggregate(r.retain(), false));
        head.put("mia_auc", r.miaAuc());
        head.put("final_score_without_mmlu", (r.taskAggregate() + r.miaScore()) / 2);
        ((ObjectNode) report.path("results")).put("mmlu_note", "MMLU not measured: the LUME study's models (d128,"
                + " trained on a few hundred sentences) are at chance on four-way multiple choice by construction;"
                + " final_score_without_mmlu = mean(task_aggregate, mia_score)");
        Files.createDirectories(out);
        Files.writeString(cached, Json.mapper().writeValueAsString(report), StandardCharsets.UTF_8);
        return report;
    }

    /**
     * Forget regurgitation and knowledge only (for the model after a relearning attack): greedy completions of the
     * forget records, scored as above; the report goes to {@code out}/report.json.
     */
    public static Map<String, Double> forgetOnly(Path modelDir, CausalLM model, Tokenizer tok, LumeData.Sets sets,
            Settings es, Path out) throws IOException {
        SemEvalRunner runner = new SemEvalRunner(model, tok, es.batchSize(), es.maxNewTokens(), es.maxLength(),
                Progress.NONE);
        Map<String, String> gens = runner.generate(sets.forgetItems(), "generation");
        SemEvalScorer.Result r = SemEvalScorer.score(sets.forgetItems(), List.of(), gens, null, null);
        ObjectNode report = SemEvalReport.build(r, modelDir, ModelChecksum.of(modelDir), settings(sets, es));
        Files.createDirectories(out);
        Files.writeString(out.resolve("report.json"), Json.mapper().writeValueAsString(report),
                StandardCharsets.UTF_8);
        Map<String, Double> h = new LinkedHashMap<>();
        h.put("forget_regurgitation", r.forget().overallRegurgitation());
        h.put("forget_knowledge", r.forget().overallKnowledge());
        return h;
    }

    /** Harmonic mean ({@code statistics.harmonic_mean}) of one split's per-task values, inverted for the forget split. */
    static double halfAggregate(SemEvalScorer.SplitScore s, boolean invert) {
        List<Double> v = new ArrayList<>();
        for (SemEvalScorer.TaskScore t : s.tasks()) {
            v.add(invert ? 1 - t.regurgitation() : t.regurgitation());
            v.add(invert ? 1 - t.knowledge() : t.knowledge());
        }
        return HarmonicMean.statistics(v.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** The headline numbers of a report. */
    public static Map<String, Double> headline(JsonNode report) {
        Map<String, Double> h = new LinkedHashMap<>();
        report.path("headline").fields().forEachRemaining(e -> h.put(e.getKey(), e.getValue().isNull() ? null
                : e.getValue().asDouble()));
        return h;
    }

    private static Map<String, Object> settings(LumeData.Sets sets, Settings es) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("batch_size", es.batchSize());
        m.put("max_new_tokens", es.maxNewTokens());
        m.put("max_length", es.maxLength());
        m.put("forget_items", sets.forgetItems().size());
        m.put("retain_items", sets.retainItems().size());
        m.put("mia_members", sets.members().size());
        m.put("mia_non_members", sets.nonMembers().size());
        m.put("data_sha256", digest(sets));
        return m;
    }

    private static String digest(LumeData.Sets sets) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        List<String> parts = new ArrayList<>();
        for (List<LumeItem> l : List.of(sets.forgetItems(), sets.retainItems())) {
            l.forEach(it -> parts.addAll(List.of(it.id(), it.input(), it.output(), it.task())));
            parts.add("|");
        }
        parts.addAll(sets.members());
        parts.add("|");
        parts.addAll(sets.nonMembers());
        for (String p : parts) {
            md.update(p.getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
