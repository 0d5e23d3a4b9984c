package dev.lethe.eval.muse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.eval.report.Json;
import dev.lethe.eval.report.ModelChecksum;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * report.json of a MUSE-style run: {@code benchmark} "muse", {@code created}, {@code model} (folder and
 * {@link ModelChecksum}), {@code settings}, {@code headline} ({@link MuseResult#headline()}) and {@code results}:
 * {@code verbmem}, {@code knowmem_forget}, {@code knowmem_retain} (score x100, mean ROUGE-L F1 and recall, every item)
 * and {@code privleak} (attack, convention, AUC, reference AUC and its source, PrivLeak, and per attack the forget and
 * holdout scores, both AUCs and the ROC points {@code roc.fpr}/{@code roc.tpr} whose trapezoid area is
 * {@code roc.auc}). {@link #reference} reads a retain model's report back as the PrivLeak reference.
 */
public final class MuseReport {

    private MuseReport() {
    }

    /**
     * @param modelDir the evaluated model's folder
     * @param checksum its checksum, or null
     * @param settings every setting of the run (written as given)
     */
    public static ObjectNode build(MuseResult r, Path modelDir, ModelChecksum checksum, Map<String, Object> settings) {
        ObjectMapper m = Json.mapper();
        ObjectNode root = Json.reportHeader("muse", modelDir, checksum, settings);
        ObjectNode head = root.putObject("headline");
        r.headline().forEach(head::put);
        ObjectNode res = root.putObject("results");
        generations(res, r.verbmem());
        generations(res, r.knowmemForget());
        generations(res, r.knowmemRetain());
        if (r.privleak() != null) {
            privleak(m, res.putObject("privleak"), r.privleak());
        }
        return root;
    }

    private static void generations(ObjectNode res, MuseResult.Generations g) {
        if (g == null) {
            return;
        }
        ObjectNode o = res.putObject(g.name());
        o.put("score", g.meanRougeLF1() * 100);
        o.put("mean_rouge_l_f1", g.meanRougeLF1());
        o.put("mean_rouge_l_recall", g.meanRougeLRecall());
        ArrayNode items = o.putArray("items");
        for (MuseResult.Item it : g.items()) {
            items.addObject().put("prompt", it.prompt()).put("reference", it.reference())
                    .put("generation", it.generation()).put("rouge_l_f1", it.rougeLF1())
                    .put("rouge_l_recall", it.rougeLRecall());
        }
    }

    private static void privleak(ObjectMapper m, ObjectNode o, PrivLeakResult p) {
        o.put("attack", p.attack().key());
        o.put("convention", p.convention().key());
        o.put("auc", p.auc());
        o.put("reference_auc", p.referenceAuc());
        o.put("reference_source", p.referenceSource());
        o.put("privleak", p.privLeak());
        PrivLeakResult.AttackResult any = p.attacks().get(p.attack());
        o.put("forget_documents", any.forgetScores().length);
        o.put("holdout_documents", any.holdoutScores().length);
        o.put("truncated_documents", p.truncated());
        ObjectNode attacks = o.putObject("attacks");
        for (Map.Entry<MiaAttack, PrivLeakResult.AttackResult> e : p.attacks().entrySet()) {
            PrivLeakResult.AttackResult a = e.getValue();
            ObjectNode n = attacks.putObject(e.getKey().key());
            n.put("auc_muse", a.aucMuse());
            n.put("auc_open_unlearning", a.aucOpenUnlearning());
            n.set("forget_scores", m.valueToTree(a.forgetScores()));
            n.set("holdout_scores", m.valueToTree(a.holdoutScores()));
            n.set("roc", m.valueToTree(a.roc()));
        }
    }

    /**
     * The PrivLeak reference from a report of the retain (retrained) model: the AUC of {@code attack} in
     * {@code convention} ({@code results.privleak.attacks.<attack>.auc_muse} or {@code auc_open_unlearning}).
     */
    public static PrivLeakResult.Reference reference(JsonNode report, MiaAttack attack,
                                                     PrivLeakConvention convention, String source)
            throws IOException {
        if (!"muse".equals(report.path("benchmark").asText())) {
            throw new IOException(source + ": not a MUSE report (benchmark is \"" + report.path("benchmark").asText()
                    + "\"); evaluate the retain model with --benchmark muse --forget-text F --holdout-text H first");
        }
        String field = convention == PrivLeakConvention.MUSE ? "auc_muse" : "auc_open_unlearning";
        JsonNode v = report.path("results").path("privleak").path("attacks").path(attack.key()).path(field);
        if (!v.isNumber()) {
            throw new IOException(source + ": results.privleak.attacks." + attack.key() + "." + field + " is missing;"
                    + " evaluate the retain model with --forget-text and --holdout-text first");
        }
        return new PrivLeakResult.Reference(v.asDouble(), "report " + source + " (" + attack.key() + ", "
                + convention.key() + ")");
    }

    /** {@link #reference(JsonNode, MiaAttack, PrivLeakConvention, String)} of report.json in {@code path}. */
    public static PrivLeakResult.Reference reference(Path path, MiaAttack attack, PrivLeakConvention convention)
            throws IOException {
        return reference(Json.readReport(path), attack, convention, path.toString());
    }
}
