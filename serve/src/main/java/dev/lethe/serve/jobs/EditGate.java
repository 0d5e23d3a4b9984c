package dev.lethe.serve.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lethe.eval.edit.AnswerScores;
import dev.lethe.eval.edit.CounterFactMetrics;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The promotion gate of an editing job, with CounterFact's scores (ROME, arXiv 2202.05262, sec. 3.2) over the job's
 * edits: efficacy = share of edited prompts where the new object is now likelier than the true one, paraphrase = the
 * same over each edit's paraphrase_prompts, neighbourhood = share of each edit's neighborhood_prompts (unrelated
 * subjects) where the true object stays likelier. Each score must reach its bound; the base model's scores and the
 * share of edited prompts whose greedy continuation is the new object (before and after) are reported beside them.
 * Spec: {@code "gate": {"min_efficacy": X, "min_paraphrase": Z, "min_neighbourhood": Y}}; a missing bound is not
 * checked.
 */
public record EditGate(Double minEfficacy, Double minParaphrase, Double minNeighbourhood) {

    /** The gate of a job spec, or null when it has none. */
    public static EditGate of(JsonNode spec) {
        JsonNode g = spec.path("gate");
        if (g.isMissingNode() || g.isNull()) {
            return null;
        }
        if (!g.isObject()) {
            throw new IllegalArgumentException("gate must be an object {min_efficacy, min_paraphrase,"
                    + " min_neighbourhood}");
        }
        g.fieldNames().forEachRemaining(f -> {
            if (!List.of("min_efficacy", "min_paraphrase", "min_neighbourhood").contains(f)) {
                throw new IllegalArgumentException("gate." + f + " is not a bound of an editing job: use min_efficacy,"
                        + " min_paraphrase or min_neighbourhood (shares in [0, 1])");
            }
        });
        return new EditGate(bound(g, "min_efficacy"), bound(g, "min_paraphrase"), bound(g, "min_neighbourhood"));
    }

    private static Double bound(JsonNode g, String f) {
        JsonNode n = g.path(f);
        if (n.isMissingNode() || n.isNull()) {
            return null;
        }
        if (!n.isNumber()) {
            throw new IllegalArgumentException("gate." + f + " must be a number (a share in [0, 1])");
        }
        return n.asDouble();
    }

    /**
     * Checks that {@code records} (CounterFact-shaped: {@code requested_rewrite} with target_true, optional
     * paraphrase_prompts and neighborhood_prompts) give every bound something to score.
     */
    public void requireScorable(List<JsonNode> records) {
        for (int i = 0; i < records.size(); i++) {
            JsonNode rw = records.get(i).path("requested_rewrite");
            if (rw.path("target_true").isMissingNode() || rw.path("target_true").isNull()) {
                throw new IllegalArgumentException("edit " + (i + 1) + " ('" + rw.path("subject").asText() + "') has"
                        + " no target_true: the gate compares the new object with the true one, so give target_true");
            }
        }
        if (minParaphrase != null && records.stream().allMatch(r -> r.path("paraphrase_prompts").isEmpty())) {
            throw new IllegalArgumentException("gate.min_paraphrase needs paraphrase_prompts on the edits");
        }
        if (minNeighbourhood != null && records.stream().allMatch(r -> r.path("neighborhood_prompts").isEmpty())) {
            throw new IllegalArgumentException("gate.min_neighbourhood needs neighborhood_prompts on the edits"
                    + " (prompts about unrelated subjects whose true object must stay likelier)");
        }
    }

    /** This gate applied to a job's edit records. */
    public Gate bind(List<JsonNode> records) {
        requireScorable(records);
        return (base, candidate) -> check(base, candidate, records);
    }

    /** Scores the candidate and the base; "passed" tells whether every bound is met. */
    public Map<String, Object> check(Path base, Path candidate, List<JsonNode> records) throws IOException {
        Scores after = scores(candidate, records);
        Scores before = scores(base, records);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("records", records.size());
        boolean passed = bounded(m, "efficacy", after.cf().efficacy(), before.cf().efficacy(), minEfficacy);
        passed &= bounded(m, "paraphrase", after.cf().paraphrase(), before.cf().paraphrase(), minParaphrase);
        passed &= bounded(m, "neighbourhood", after.cf().neighbourhood(), before.cf().neighbourhood(), minNeighbourhood);
        m.put("rewrite_greedy_accuracy", after.greedy());
        m.put("rewrite_greedy_accuracy_before", before.greedy());
        m.put("passed", passed);
        return m;
    }

    /** Puts a score (NaN = nothing to score: left out) and its bound; true when the bound is met or absent. */
    private static boolean bounded(Map<String, Object> m, String name, double after, double before, Double min) {
        if (!Double.isNaN(after)) {
            m.put(name, after);
            m.put(name + "_before", before);
        }
        if (min == null) {
            return true;
        }
        m.put("min_" + name, min);
        return after >= min;
    }

    private record Scores(CounterFactMetrics cf, double greedy) {
    }

    private static Scores scores(Path dir, List<JsonNode> records) throws IOException {
        CausalLM model = CausalLM.load(dir, DataType.FLOAT);
        try (Tokenizer tok = Tokenizers.load(dir)) {
            AnswerScores answers = new AnswerScores(model, tok);
            int hits = 0;
            for (JsonNode r : records) {
                JsonNode rw = r.get("requested_rewrite");
                String prompt = rw.get("prompt").asText().replace("{}", rw.get("subject").asText());
                hits += answers.predicts(prompt, target(rw.get("target_new"))) ? 1 : 0;
            }
            return new Scores(CounterFactMetrics.of(answers, records), (double) hits / records.size());
        }
    }

    private static String target(JsonNode n) {
        return n.isObject() ? n.get("str").asText() : n.asText();
    }
}
