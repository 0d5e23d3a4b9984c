package dev.lethe.eval.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Renders a report (the JSON of {@link TofuReport}, SemEval, MMLU/MCQ or MUSE reports) as one self-contained HTML
 * page: headline numbers (with the baseline's and the change when a baseline report is given), a before/after chart,
 * per-set aggregates and bars, the model-utility components, truth-ratio histograms (forget vs retain set, and the
 * retain model's forget set), ROC curves of the membership inference drawn from the points stored in report.json,
 * the MUSE sections ({@link MuseHtml}), loss curves of a training log, sample generations and every setting. Charts
 * are PNG data URIs; the page loads nothing from anywhere. {@link #write} writes report.json and report.html.
 */
public final class HtmlReport {

    /** Headline keys and their display names, in display order. */
    static final Map<String, String> HEADLINE = new LinkedHashMap<>();

    static {
        HEADLINE.put("forget_quality", "Forget quality (KS p-value)");
        HEADLINE.put("model_utility", "Model utility");
        HEADLINE.put("forget_rougeL_recall", "Forget ROUGE-L recall");
        HEADLINE.put("forget_probability", "Forget probability");
        HEADLINE.put("forget_truth_ratio", "Forget truth ratio");
        HEADLINE.put("mia_loss_auc", "MIA AUC (LOSS)");
        HEADLINE.put("mia_min_k_auc", "MIA AUC (Min-k%)");
        HEADLINE.put("mia_grad_norm_auc", "MIA AUC (gradient norm)");
        HEADLINE.put("mia_lowercase_auc", "MIA AUC (lowercase)");
        HEADLINE.put("mia_reference_auc", "MIA AUC (reference model)");
        HEADLINE.put("final_score", "SemEval final score");
        HEADLINE.put("task_aggregate", "SemEval task aggregate");
        HEADLINE.put("mia_score", "SemEval MIA score");
        HEADLINE.put("mmlu", "MMLU accuracy");
        HEADLINE.put("accuracy", "Multiple-choice accuracy");
        HEADLINE.put("verbmem_f", "MUSE VerbMem on forget (ROUGE-L F1 x100)");
        HEADLINE.put("knowmem_f", "MUSE KnowMem on forget (ROUGE-L F1 x100)");
        HEADLINE.put("knowmem_r", "MUSE KnowMem on retain (ROUGE-L F1 x100)");
        HEADLINE.put("privleak", "MUSE PrivLeak (%)");
        HEADLINE.put("privleak_auc", "MIA AUC behind PrivLeak");
        HEADLINE.put("over_refusal_rate", "Over-refusal on safe prompts (lower is better)");
        HEADLINE.put("unsafe_refusal_rate", "Refusal on unsafe prompts (higher is better)");
        HEADLINE.put("attack_success_proxy", "Attack success proxy (unsafe prompts answered)");
    }

    /** Short chart labels of the headline keys. */
    static final Map<String, String> SHORT = Map.ofEntries(Map.entry("model_utility", "model utility"),
            Map.entry("forget_rougeL_recall", "forget ROUGE-L recall"),
            Map.entry("forget_probability", "forget probability"), Map.entry("forget_truth_ratio", "forget truth ratio"),
            Map.entry("mia_loss_auc", "MIA AUC (LOSS)"), Map.entry("mia_min_k_auc", "MIA AUC (Min-k%)"),
            Map.entry("mia_grad_norm_auc", "MIA AUC (grad norm)"), Map.entry("mia_lowercase_auc", "MIA AUC (lowercase)"),
            Map.entry("mia_reference_auc", "MIA AUC (reference)"),
            Map.entry("verbmem_f", "VerbMem"), Map.entry("knowmem_f", "KnowMem (forget)"),
            Map.entry("knowmem_r", "KnowMem (retain)"), Map.entry("privleak", "PrivLeak"),
            Map.entry("privleak_auc", "PrivLeak AUC"));

    private HtmlReport() {
    }

    /**
     * Writes {@code out/report.json} (with a {@code baseline} section when a baseline is given) and
     * {@code out/report.html}.
     *
     * @param baseline    an earlier report to compare with, or null
     * @param trainingLog a training metrics JSONL for loss curves, or null
     */
    public static void write(Path out, ObjectNode report, JsonNode baseline, String baselineSource, Path trainingLog)
            throws IOException {
        Files.createDirectories(out);
        if (baseline != null) {
            ObjectNode b = report.putObject("baseline");
            b.put("source", baselineSource);
            b.set("headline", baseline.path("headline").deepCopy());
            b.put("model_sha256", baseline.path("model").path("sha256").asText(null));
        }
        if (trainingLog != null) {
            report.put("training_log", trainingLog.toString());
        }
        Json.mapper().writeValue(out.resolve("report.json").toFile(), report);
        Map<String, List<double[]>> curves = trainingLog == null ? null : TrainingLog.lossCurves(trainingLog);
        Files.writeString(out.resolve("report.html"), render(report, baseline, curves), StandardCharsets.UTF_8);
    }

    /**
     * The start of a self-contained page in this report's style, through {@code <body>}: {@code <title>} is
     * {@code title}; classes: {@code sub} (grey subtitle), {@code cards}/{@code card} with {@code v} (value) and
     * {@code b} (note), {@code td.n} (numbers), {@code up}/{@code down}. Other pages (the serve audit export) reuse it.
     */
    public static StringBuilder pageStart(String title) {
        StringBuilder h = new StringBuilder(1 << 16);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
                .append(esc(title)).append("</title>\n<style>\n")
                .append("body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1320px;color:#222}\n")
                .append("h1{margin-bottom:0}.sub{color:#666;margin-top:.3em}\n")
                .append(".cards{display:flex;flex-wrap:wrap;gap:12px}.card{border:1px solid #ccc;border-radius:8px;")
                .append("padding:10px 16px;min-width:180px}.card .v{font-size:1.6em;font-weight:600}")
                .append(".card .b{color:#666;font-size:.9em}\n")
                .append("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ddd;padding:4px 8px;")
                .append("text-align:left;vertical-align:top}th{background:#f4f4f4}td.n{text-align:right;")
                .append("font-family:monospace}\n.charts{display:flex;flex-wrap:wrap;gap:12px}")
                .append(".charts img{border:1px solid #eee}\n.up{color:#070}.down{color:#a00}\n")
                .append("</style>\n</head>\n<body>\n");
        return h;
    }

    /** A headline card: label, value and an optional grey note (null = none). */
    public static void card(StringBuilder h, String label, String value, String note) {
        h.append("<div class=\"card\"><div>").append(esc(label)).append("</div><div class=\"v\">").append(value)
                .append("</div>");
        if (note != null) {
            h.append("<div class=\"b\">").append(note).append("</div>");
        }
        h.append("</div>\n");
    }

    /** The HTML page of a report. */
    public static String render(JsonNode report, JsonNode baseline, Map<String, List<double[]>> lossCurves) {
        String bench = report.path("benchmark").asText("?");
        StringBuilder h = pageStart("Lethe report: " + bench);
        h.append("<h1>Lethe evaluation report: ").append(esc(bench.toUpperCase())).append("</h1>\n");
        JsonNode model = report.path("model");
        h.append("<p class=\"sub\">model <code>").append(esc(model.path("dir").asText("?")))
                .append("</code> &middot; sha256 <code>").append(esc(model.path("sha256").asText("?")))
                .append("</code> &middot; ").append(esc(report.path("created").asText(""))).append("</p>\n");

        JsonNode head = report.path("headline");
        JsonNode bhead = baseline == null ? null : baseline.path("headline");
        h.append("<h2>Headline</h2>\n<div class=\"cards\">\n");
        for (Map.Entry<String, String> e : HEADLINE.entrySet()) {
            if (!head.has(e.getKey()) || head.get(e.getKey()).isNull()) {
                continue;
            }
            boolean based = bhead != null && bhead.has(e.getKey()) && !bhead.get(e.getKey()).isNull();
            card(h, e.getValue(), num(head.get(e.getKey()).asDouble()),
                    based ? "baseline " + num(bhead.get(e.getKey()).asDouble()) : null);
        }
        h.append("</div>\n");

        List<String> charts = new ArrayList<>();
        if (baseline != null) {
            h.append("<h2>Before / after</h2>\n<p>baseline: <code>")
                    .append(esc(report.path("baseline").path("source").asText(""))).append("</code></p>\n");
            h.append("<table><tr><th>metric</th><th>baseline</th><th>this model</th><th>change</th></tr>\n");
            Map<String, Double> before = new LinkedHashMap<>();
            Map<String, Double> after = new LinkedHashMap<>();
            Set<String> keys = new LinkedHashSet<>(HEADLINE.keySet());
            bhead.fieldNames().forEachRemaining(keys::add);
            for (String k : keys) {
                if (!head.has(k) && !bhead.has(k)) {
                    continue;
                }
                Double a = bhead.has(k) && !bhead.get(k).isNull() ? bhead.get(k).asDouble() : null;
                Double b = head.has(k) && !head.get(k).isNull() ? head.get(k).asDouble() : null;
                String name = HEADLINE.getOrDefault(k, k);
                h.append("<tr><td>").append(esc(name)).append("</td><td class=\"n\">").append(num(a))
                        .append("</td><td class=\"n\">").append(num(b)).append("</td><td class=\"n\">");
                if (a != null && b != null) {
                    double d = b - a;
                    h.append("<span class=\"").append(d >= 0 ? "up" : "down").append("\">")
                            .append(d >= 0 ? "+" : "").append(num(d)).append("</span>");
                    if (k.equals("forget_quality") && a > 0 && b > 0) {
                        h.append(" (&times;").append(num(b / a)).append(")");
                    }
                }
                h.append("</td></tr>\n");
                if (!k.equals("forget_quality")) {
                    String label = SHORT.getOrDefault(k, k);
                    before.put(label, a);
                    after.put(label, b);
                }
            }
            h.append("</table>\n");
            Map<String, Map<String, Double>> bars = new LinkedHashMap<>();
            bars.put("baseline", before);
            bars.put("this model", after);
            charts.add(Charts.bars("Before / after", "value", bars));
            if (bhead.has("forget_quality") && head.has("forget_quality")) {
                Map<String, Map<String, Double>> fq = new LinkedHashMap<>();
                fq.put("baseline", Map.of("log10 forget quality", Math.log10(bhead.get("forget_quality").asDouble())));
                fq.put("this model", Map.of("log10 forget quality", Math.log10(head.get("forget_quality").asDouble())));
                charts.add(Charts.bars("Forget quality (log10 p-value; 0 is best)", "log10 p", fq));
            }
        }

        JsonNode results = report.path("results");
        JsonNode splits = results.path("splits");
        if (splits.size() > 0) {
            h.append("<h2>Per set</h2>\n<table><tr><th>set</th><th>items</th><th>probability</th>")
                    .append("<th>ROUGE-L recall</th><th>truth ratio (aggregate)</th></tr>\n");
            Map<String, Map<String, Double>> bars = new LinkedHashMap<>();
            bars.put("probability", new LinkedHashMap<>());
            bars.put("ROUGE-L recall", new LinkedHashMap<>());
            bars.put("truth ratio", new LinkedHashMap<>());
            for (Iterator<Map.Entry<String, JsonNode>> it = splits.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode s = e.getValue();
                h.append("<tr><td>").append(esc(e.getKey())).append("</td><td class=\"n\">")
                        .append(s.path("items").size()).append("</td><td class=\"n\">")
                        .append(num(s.path("probability").asDouble())).append("</td><td class=\"n\">")
                        .append(num(s.path("rouge_l_recall").asDouble())).append("</td><td class=\"n\">")
                        .append(num(s.path("truth_ratio").asDouble())).append("</td></tr>\n");
                bars.get("probability").put(e.getKey(), s.path("probability").asDouble());
                bars.get("ROUGE-L recall").put(e.getKey(), s.path("rouge_l_recall").asDouble());
                bars.get("truth ratio").put(e.getKey(), s.path("truth_ratio").asDouble());
            }
            h.append("</table>\n<p>Probability: mean length-normalised answer probability (normalised over the options")
                    .append(" on real authors / world facts). Truth ratio: forget mean(min(TR, 1/TR)), others")
                    .append(" mean(max(0, 1 - TR)), TR = P(perturbed) / P(paraphrased or answer).</p>\n");
            charts.add(Charts.bars("Per-set metrics", "value", bars));
        }
        JsonNode comp = results.path("utility_components");
        if (comp.size() > 0) {
            h.append("<h3>Model utility components</h3>\n<table><tr><th>component</th><th>value</th></tr>\n");
            comp.fields().forEachRemaining(e -> h.append("<tr><td>").append(esc(e.getKey()))
                    .append("</td><td class=\"n\">").append(num(e.getValue().asDouble())).append("</td></tr>\n"));
            h.append("</table>\n");
        }

        Map<String, double[]> tr = new LinkedHashMap<>();
        addTruthRatios(tr, "forget (this model)", splits.path("forget"));
        addTruthRatios(tr, "retain set (this model)", splits.path("retain"));
        JsonNode ref = report.path("reference").path("forget_truth_ratios");
        if (ref.isArray() && ref.size() > 0) {
            tr.put("forget (retain model)", doubles(ref));
        }
        if (!tr.isEmpty()) {
            charts.add(Charts.log10Histogram("Truth ratios", "log10 TR = log10 P(perturbed)/P(correct)", tr, 20));
        }
        JsonNode mia = results.path("mia");
        if (mia.isObject()) {
            Map<String, double[][]> curves = new LinkedHashMap<>();
            addRoc(curves, "LOSS", mia.path("loss_roc"));
            addRoc(curves, "Min-k%", mia.path("min_k_roc"));
            addRoc(curves, "-NLL", mia.path("roc"));
            addRoc(curves, "gradient norm", mia.path("attacks").path("grad_norm").path("roc"));
            addRoc(curves, "lowercase", mia.path("attacks").path("lowercase").path("roc"));
            addRoc(curves, "reference model", mia.path("attacks").path("reference").path("roc"));
            if (!curves.isEmpty()) {
                charts.add(Charts.rocPoints(bench.equals("semeval")
                        ? "MIA: members (positive) vs non-members, score -NLL"
                        : "MIA: forget (class 0) vs holdout (class 1)", curves));
            }
        }
        if (bench.equals("muse")) {
            MuseHtml.summary(report, baseline, h, charts);
        }
        if (lossCurves != null && !lossCurves.isEmpty()) {
            charts.add(Charts.lines("Training losses", "step", "loss", lossCurves));
        }
        if (!charts.isEmpty()) {
            h.append("<h2>Charts</h2>\n<div class=\"charts\">\n");
            for (int i = 0; i < charts.size(); i++) {
                h.append("<img alt=\"chart ").append(i + 1).append("\" width=\"").append(Charts.WIDTH)
                        .append("\" height=\"").append(Charts.HEIGHT).append("\" src=\"").append(charts.get(i))
                        .append("\">\n");
            }
            h.append("</div>\n");
        }
        if (bench.equals("muse")) {
            MuseHtml.samples(report, h);
        }
        if (SafetyHtml.applies(report)) {
            SafetyHtml.section(report, h);
        }

        JsonNode forgetItems = splits.path("forget").path("items");
        if (forgetItems.isArray() && forgetItems.size() > 0) {
            h.append("<h2>Forget set: sample generations</h2>\n<table><tr><th>question</th><th>answer</th>")
                    .append("<th>generation</th><th>ROUGE-L R</th><th>P(answer)</th><th>TR</th></tr>\n");
            for (int i = 0; i < Math.min(10, forgetItems.size()); i++) {
                JsonNode it = forgetItems.get(i);
                h.append("<tr><td>").append(esc(it.path("question").asText())).append("</td><td>")
                        .append(esc(it.path("answer").asText())).append("</td><td>")
                        .append(esc(it.path("generation").asText())).append("</td><td class=\"n\">")
                        .append(num(it.path("rouge_l_recall").asDouble())).append("</td><td class=\"n\">")
                        .append(num(it.path("probability").asDouble())).append("</td><td class=\"n\">")
                        .append(num(it.path("truth_ratio").asDouble())).append("</td></tr>\n");
            }
            h.append("</table>\n");
        }
        h.append("<h2>Settings</h2>\n<table>\n");
        report.path("settings").fields().forEachRemaining(e -> h.append("<tr><th>").append(esc(e.getKey()))
                .append("</th><td><code>").append(esc(e.getValue().isTextual() ? e.getValue().asText()
                        : e.getValue().toString())).append("</code></td></tr>\n"));
        h.append("</table>\n<p class=\"sub\">Every number is in report.json next to this file.</p>\n</body>\n</html>\n");
        return h.toString();
    }

    private static void addTruthRatios(Map<String, double[]> out, String name, JsonNode split) {
        JsonNode items = split.path("items");
        if (items.isArray() && items.size() > 0) {
            double[] v = new double[items.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = items.get(i).path("truth_ratio").asDouble();
            }
            out.put(name, v);
        }
    }

    /** Adds the ROC points of {@code roc} ({@code fpr}, {@code tpr}, {@code auc}) under {@code name}, if present. */
    static void addRoc(Map<String, double[][]> curves, String name, JsonNode roc) {
        if (roc.path("fpr").isArray() && roc.path("fpr").size() > 0) {
            curves.put(name + " (AUC = " + String.format("%.4f", roc.path("auc").asDouble()) + ")",
                    new double[][] {doubles(roc.path("fpr")), doubles(roc.path("tpr"))});
        }
    }

    static double[] doubles(JsonNode a) {
        double[] v = new double[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).asDouble();
        }
        return v;
    }

    /** A number as the report prints it (4 decimals, or scientific outside [1e-3, 1e5); null as a dash). */
    public static String num(Double v) {
        if (v == null) {
            return "&ndash;";
        }
        if (v == 0 || Double.isNaN(v) || Double.isInfinite(v)) {
            return String.valueOf(v);
        }
        double a = Math.abs(v);
        return a >= 1e-3 && a < 1e5 ? String.format("%.4f", v) : String.format("%.3e", v);
    }

    /** HTML-escapes text (null as empty). */
    public static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
