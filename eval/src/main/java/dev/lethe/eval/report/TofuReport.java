package dev.lethe.eval.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.eval.tofu.TofuResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The {@code report.json} of a TOFU evaluation: {@code benchmark}, {@code created}, {@code model} (folder and
 * {@link ModelChecksum}), {@code settings}, {@code headline} (forget quality, model utility, forget ROUGE/probability/
 * truth ratio, MIA AUCs), {@code reference} (where the retain model's forget truth ratios came from, and the values)
 * and {@code results} (the whole {@link TofuResult}, per item). {@link #forgetTruthRatios} reads the per-item forget
 * truth ratios back, so one run's report is the next run's forget-quality reference.
 */
public final class TofuReport {

    private TofuReport() {
    }

    /**
     * @param settings  every setting of the run (written as given)
     * @param reference the retain model's forget truth ratios used for forget quality, or null
     * @param refSource where they came from (a report or model folder), or null
     */
    public static ObjectNode build(TofuResult result, Path modelDir, ModelChecksum checksum,
                                   Map<String, Object> settings, double[] reference, String refSource) {
        ObjectMapper m = Json.mapper();
        ObjectNode root = Json.reportHeader("tofu", modelDir, checksum, settings);
        ObjectNode head = root.putObject("headline");
        result.headline().forEach(head::put);
        if (reference != null) {
            ObjectNode ref = root.putObject("reference");
            ref.put("source", refSource);
            ArrayNode a = ref.putArray("forget_truth_ratios");
            for (double v : reference) {
                a.add(v);
            }
        }
        root.set("results", m.valueToTree(result));
        return root;
    }

    /** The per-item forget truth ratios of a report ({@code results.splits.forget.items[*].truth_ratio}). */
    public static double[] forgetTruthRatios(JsonNode report, String source) throws IOException {
        JsonNode items = report.path("results").path("splits").path("forget").path("items");
        if (!items.isArray() || items.isEmpty()) {
            throw new IOException(source + ": the report has no forget-set items (results.splits.forget.items);"
                    + " evaluate the retain model with --forget first");
        }
        double[] out = new double[items.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = items.get(i).get("truth_ratio");
            if (v == null || !v.isNumber()) {
                throw new IOException(source + ": results.splits.forget.items[" + i + "].truth_ratio is missing");
            }
            out[i] = v.asDouble();
        }
        return out;
    }

    /** {@link #forgetTruthRatios(JsonNode, String)} of report.json in {@code path} (a file or its folder). */
    public static double[] forgetTruthRatios(Path path) throws IOException {
        return forgetTruthRatios(Json.readReport(path), path.toString());
    }
}
