package dev.lethe.eval.semeval;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.eval.report.Json;
import dev.lethe.eval.report.ModelChecksum;
import java.nio.file.Path;
import java.util.Map;

/**
 * report.json of a SemEval-2025 Task 4 run: {@code headline} (final_score, task_aggregate, mia_score, mmlu and every
 * per-split, per-task value as {@code <split>_<task>_regurgitation|knowledge}) and {@code results} (per split and
 * task, the 12 aggregated terms, MIA AUC, NLLs and ROC points ({@code results.mia.roc}), the MMLU eligibility flag,
 * and every item's generation and score).
 * Values that were not computed (no MIA, no MMLU) are null.
 */
public final class SemEvalReport {

    private SemEvalReport() {
    }

    /**
     * @param modelDir the model folder, or null when scoring saved predictions
     * @param checksum the model's checksum, or null
     */
    public static ObjectNode build(SemEvalScorer.Result r, Path modelDir, ModelChecksum checksum,
                                   Map<String, Object> settings) {
        var m = Json.mapper();
        ObjectNode root = Json.reportHeader("semeval", modelDir, checksum, settings);
        ObjectNode head = root.putObject("headline");
        put(head, "final_score", r.finalScore());
        head.put("task_aggregate", r.taskAggregate());
        put(head, "mia_score", r.miaScore());
        put(head, "mmlu", r.mmlu());
        ObjectNode res = root.putObject("results");
        for (SemEvalScorer.SplitScore s : new SemEvalScorer.SplitScore[] {r.forget(), r.retain()}) {
            ObjectNode sp = res.putObject(s.split());
            put(sp, "overall_regurgitation", s.overallRegurgitation());
            put(sp, "overall_knowledge", s.overallKnowledge());
            sp.put("unscored_items", s.unscored());
            ObjectNode tasks = sp.putObject("tasks");
            for (SemEvalScorer.TaskScore t : s.tasks()) {
                ObjectNode o = tasks.putObject(t.task());
                o.put("regurgitation", t.regurgitation());
                o.put("knowledge", t.knowledge());
                o.put("sc_items", t.scItems());
                o.put("qa_items", t.qaItems());
                head.put(s.split() + "_" + t.task() + "_regurgitation", t.regurgitation());
                head.put(s.split() + "_" + t.task() + "_knowledge", t.knowledge());
            }
        }
        ArrayNode terms = res.putArray("aggregated_terms");
        r.aggregatedTerms().forEach(terms::add);
        res.put("task_aggregate", r.taskAggregate());
        put(res, "mia_auc", r.miaAuc());
        put(res, "mia_score", r.miaScore());
        put(res, "mmlu", r.mmlu());
        put(res, "final_score", r.finalScore());
        res.put("mmlu_below_threshold", r.mmluBelowThreshold());
        if (r.finalScore() == null) {
            res.put("final_score_note", "final_score needs both the MIA NLLs and the MMLU accuracy (the official"
                    + " script writes -1 without them)");
        }
        if (r.mia() != null) {
            ObjectNode mia = res.putObject("mia");
            mia.put("auc", r.miaAuc());
            ArrayNode a = mia.putArray("member_nll");
            for (double v : r.mia().member()) {
                a.add(v);
            }
            ArrayNode b = mia.putArray("non_member_nll");
            for (double v : r.mia().nonMember()) {
                b.add(v);
            }
            mia.set("roc", m.valueToTree(SemEvalScorer.miaRoc(r.mia())));
        }
        ArrayNode items = res.putArray("items");
        for (SemEvalScorer.ItemScore it : r.items()) {
            ObjectNode o = items.addObject();
            o.put("split", it.split());
            o.put("id", it.id());
            o.put("task", it.task());
            o.put("kind", it.kind().name().toLowerCase());
            o.put("generation", it.generation());
            put(o, "score", it.score());
            if (it.kind() == LumeItem.Kind.SC) {
                o.put("rouge1_recall", it.rouge1Recall());
            }
        }
        return root;
    }

    private static void put(ObjectNode o, String k, Double v) {
        if (v == null || v.isNaN()) {
            o.putNull(k);
        } else {
            o.put(k, v);
        }
    }
}
