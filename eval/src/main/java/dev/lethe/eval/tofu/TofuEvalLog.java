package dev.lethe.eval.tofu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One legacy TOFU evaluation log ({@code eval_log_aggregated.json} of {@code locuslab/tofu}): four evaluation sets
 * ({@code eval_log.json} retain, {@code eval_log_forget.json} forget, {@code eval_real_author_wo_options.json},
 * {@code eval_real_world_wo_options.json}), each a map from metric name to {@code {item index: value}}. Only the fields
 * the legacy aggregation reads are kept, per item and in file order: {@code avg_gt_loss}, {@code average_perturb_loss}
 * (one row of perturbed-answer losses per item), {@code avg_paraphrased_loss}, {@code rougeL_recall}, plus
 * {@code generated_text} ([prompt, generation, ground truth]) when present.
 */
public final class TofuEvalLog {

    /** The four set keys TOFU's {@code aggregate_eval_stat.py} expects, in its own order. */
    public static final List<String> SET_KEYS = List.of("eval_real_author_wo_options.json",
            "eval_real_world_wo_options.json", "eval_log.json", "eval_log_forget.json");

    /** Per-item values of one evaluation set, in the order of the file. */
    public record EvalSet(double[] avgGtLoss, double[][] averagePerturbLoss, double[] avgParaphrasedLoss,
                          double[] rougeLRecall, List<List<String>> generatedText) {
        /** Number of items. */
        public int size() {
            return avgGtLoss.length;
        }
    }

    private final Map<String, EvalSet> sets;
    private final String source;

    private TofuEvalLog(Map<String, EvalSet> sets, String source) {
        this.sets = Collections.unmodifiableMap(sets);
        this.source = source;
    }

    /** Reads and validates a legacy {@code eval_log_aggregated.json}. */
    public static TofuEvalLog read(Path file) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.newInputStream(file));
        } catch (IOException e) {
            throw new IOException(file + ": not readable JSON (" + e.getMessage() + "); expected TOFU's legacy"
                    + " eval_log_aggregated.json", e);
        }
        return fromJson(root, file.toString());
    }

    /** Builds a log from an already parsed JSON tree; {@code source} names it in error messages. */
    public static TofuEvalLog fromJson(JsonNode root, String source) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(source + ": top level must be an object with keys " + SET_KEYS);
        }
        Iterator<String> names = root.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!SET_KEYS.contains(name)) {
                throw new IllegalArgumentException(source + ": unknown evaluation set '" + name
                        + "'; TOFU's aggregation only accepts " + SET_KEYS);
            }
        }
        Map<String, EvalSet> sets = new LinkedHashMap<>();
        for (String key : SET_KEYS) {
            JsonNode set = root.get(key);
            if (set == null || !set.isObject()) {
                throw new IllegalArgumentException(source + ": missing evaluation set '" + key
                        + "'; a legacy TOFU log has all of " + SET_KEYS);
            }
            String where = source + " [" + key + "]";
            double[] gt = scalars(set, "avg_gt_loss", where);
            double[][] pert = rows(set, "average_perturb_loss", where);
            double[] para = scalars(set, "avg_paraphrased_loss", where);
            double[] rouge = scalars(set, "rougeL_recall", where);
            int n = gt.length;
            if (pert.length != n || para.length != n || rouge.length != n) {
                throw new IllegalArgumentException(where + ": fields have different item counts (avg_gt_loss " + n
                        + ", average_perturb_loss " + pert.length + ", avg_paraphrased_loss " + para.length
                        + ", rougeL_recall " + rouge.length + "); every field needs one entry per item");
            }
            sets.put(key, new EvalSet(gt, pert, para, rouge, texts(set, where)));
        }
        return new TofuEvalLog(sets, source);
    }

    /** One evaluation set by its file key (see {@link #SET_KEYS}). */
    public EvalSet set(String key) {
        EvalSet s = sets.get(key);
        if (s == null) {
            throw new IllegalArgumentException("no evaluation set '" + key + "'; choose one of " + SET_KEYS);
        }
        return s;
    }

    /** The file or label this log was read from. */
    public String source() {
        return source;
    }

    private static JsonNode field(JsonNode set, String name, String where) {
        JsonNode f = set.get(name);
        if (f == null || !f.isObject() || f.size() == 0) {
            throw new IllegalArgumentException(where + ": field '" + name
                    + "' is missing or empty; it must map item indices to values");
        }
        return f;
    }

    private static double[] scalars(JsonNode set, String name, String where) {
        JsonNode f = field(set, name, where);
        double[] out = new double[f.size()];
        int i = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = f.fields(); it.hasNext(); i++) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isNumber()) {
                throw new IllegalArgumentException(where + ": " + name + "[" + e.getKey() + "] = " + e.getValue()
                        + " is not a number");
            }
            out[i] = e.getValue().doubleValue();
        }
        return out;
    }

    private static double[][] rows(JsonNode set, String name, String where) {
        JsonNode f = field(set, name, where);
        double[][] out = new double[f.size()][];
        int i = 0;
        int width = -1;
        for (Iterator<Map.Entry<String, JsonNode>> it = f.fields(); it.hasNext(); i++) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode row = e.getValue();
            if (!row.isArray() || row.size() == 0) {
                throw new IllegalArgumentException(where + ": " + name + "[" + e.getKey()
                        + "] must be a non-empty list of perturbed-answer losses");
            }
            if (width >= 0 && row.size() != width) {
                throw new IllegalArgumentException(where + ": " + name + "[" + e.getKey() + "] has " + row.size()
                        + " perturbed losses but earlier items have " + width
                        + "; TOFU averages a rectangular array, so every item needs the same count");
            }
            width = row.size();
            out[i] = new double[width];
            for (int j = 0; j < width; j++) {
                if (!row.get(j).isNumber()) {
                    throw new IllegalArgumentException(where + ": " + name + "[" + e.getKey() + "][" + j
                            + "] is not a number");
                }
                out[i][j] = row.get(j).doubleValue();
            }
        }
        return out;
    }

    private static List<List<String>> texts(JsonNode set, String where) {
        JsonNode f = set.get("generated_text");
        if (f == null) {
            return List.of();
        }
        List<List<String>> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = f.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            List<String> triple = new ArrayList<>();
            for (JsonNode s : e.getValue()) {
                triple.add(s.asText());
            }
            if (triple.size() != 3) {
                throw new IllegalArgumentException(where + ": generated_text[" + e.getKey() + "] has " + triple.size()
                        + " strings; expected [prompt, generation, ground truth]");
            }
            out.add(List.copyOf(triple));
        }
        return List.copyOf(out);
    }
}
