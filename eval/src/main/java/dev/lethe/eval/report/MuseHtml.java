package dev.lethe.eval.report;

import static dev.lethe.eval.report.HtmlReport.esc;
import static dev.lethe.eval.report.HtmlReport.num;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The MUSE sections of report.html (arXiv 2407.06460): a table of VerbMem / KnowMem (x100, with the baseline's),
 * the membership-inference table (per attack both AUC conventions, and PrivLeak against its reference), bar charts of
 * the memorisation/utility scores and of the per-attack AUCs, ROC curves drawn from the points in report.json, and
 * sample generations. Reads only the report's JSON.
 */
final class MuseHtml {

    /** The generation metrics: results key and display name. */
    private static final String[][] GENERATIONS = {
        {"verbmem", "VerbMem (forget texts)"},
        {"knowmem_forget", "KnowMem (forget QA)"},
        {"knowmem_retain", "KnowMem (retain QA, utility)"}};

    private MuseHtml() {
    }

    /** Tables and charts of the metrics (before the charts block). */
    static void summary(JsonNode report, JsonNode baseline, StringBuilder h, List<String> charts) {
        JsonNode res = report.path("results");
        JsonNode bres = baseline == null ? null : baseline.path("results");
        h.append("<h2>MUSE metrics</h2>\n<table><tr><th>metric</th><th>items</th><th>score (ROUGE-L F1 x100)</th>")
                .append("<th>mean ROUGE-L recall</th>").append(bres == null ? "" : "<th>baseline score</th>")
                .append("</tr>\n");
        Map<String, Map<String, Double>> bars = new LinkedHashMap<>();
        if (bres != null) {
            bars.put("baseline", new LinkedHashMap<>()); // first, as in the before/after chart
        }
        bars.put("this model", new LinkedHashMap<>());
        for (String[] g : GENERATIONS) {
            JsonNode n = res.path(g[0]);
            if (!n.isObject()) {
                continue;
            }
            h.append("<tr><td>").append(esc(g[1])).append("</td><td class=\"n\">").append(n.path("items").size())
                    .append("</td><td class=\"n\">").append(num(n.path("score").asDouble()))
                    .append("</td><td class=\"n\">").append(num(n.path("mean_rouge_l_recall").asDouble()))
                    .append("</td>");
            bars.get("this model").put(g[1], n.path("score").asDouble());
            if (bres != null) {
                JsonNode b = bres.path(g[0]).path("score");
                h.append("<td class=\"n\">").append(b.isNumber() ? num(b.asDouble()) : "&ndash;").append("</td>");
                bars.get("baseline").put(g[1], b.isNumber() ? b.asDouble() : null);
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n<p>VerbMem: greedy continuation of each forget text's prompt vs its true continuation;")
                .append(" KnowMem: greedy answer (cut at a blank line or the next \"Question\") vs the gold answer.")
                .append(" Lower on the forget set means less memorised; the retain score should stay.</p>\n");
        if (!bars.get("this model").isEmpty()) {
            charts.add(Charts.bars("MUSE memorisation and utility", "ROUGE-L F1 x100", bars));
        }
        privleak(res.path("privleak"), bres == null ? null : bres.path("privleak"), h, charts);
    }

    private static void privleak(JsonNode p, JsonNode base, StringBuilder h, List<String> charts) {
        if (!p.isObject()) {
            return;
        }
        String conv = p.path("convention").asText();
        h.append("<h3>Privacy leakage (membership inference: forget vs holdout texts)</h3>\n<p>PrivLeak = ")
                .append(num(p.path("privleak").asDouble())).append("% from the ").append(esc(p.path("attack").asText()))
                .append(" AUC ").append(num(p.path("auc").asDouble())).append(" (").append(esc(conv))
                .append(" convention) against the reference AUC ").append(num(p.path("reference_auc").asDouble()))
                .append(" (").append(esc(p.path("reference_source").asText())).append("); ")
                .append(p.path("forget_documents").asInt()).append(" forget and ")
                .append(p.path("holdout_documents").asInt()).append(" holdout texts, ")
                .append(p.path("truncated_documents").asInt()).append(" truncated. Near 0 is ideal; negative means")
                .append(" the forget texts still look trained-on.</p>\n");
        h.append("<table><tr><th>attack</th><th>AUC (MUSE: forget 0, holdout 1, score -s)</th>")
                .append("<th>AUC (open-unlearning: score s)</th></tr>\n");
        Map<String, double[][]> curves = new LinkedHashMap<>();
        Map<String, Map<String, Double>> bars = new LinkedHashMap<>();
        if (base != null && base.isObject()) {
            bars.put("baseline", new LinkedHashMap<>());
        }
        bars.put("this model", new LinkedHashMap<>());
        String field = conv.equals("muse") ? "auc_muse" : "auc_open_unlearning";
        for (Iterator<Map.Entry<String, JsonNode>> it = p.path("attacks").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode a = e.getValue();
            h.append("<tr><td>").append(esc(e.getKey())).append("</td><td class=\"n\">")
                    .append(num(a.path("auc_muse").asDouble())).append("</td><td class=\"n\">")
                    .append(num(a.path("auc_open_unlearning").asDouble())).append("</td></tr>\n");
            HtmlReport.addRoc(curves, e.getKey(), a.path("roc"));
            bars.get("this model").put(e.getKey(), a.path(field).asDouble());
            if (bars.containsKey("baseline")) {
                JsonNode b = base.path("attacks").path(e.getKey()).path(field);
                bars.get("baseline").put(e.getKey(), b.isNumber() ? b.asDouble() : null);
            }
        }
        h.append("</table>\n");
        if (!curves.isEmpty()) {
            charts.add(Charts.rocPoints("MIA ROC, " + conv + " convention (holdout = positive)", curves));
            charts.add(Charts.bars("MIA AUC per attack (" + conv + ")", "AUC", bars));
        }
    }

    /** Sample generations of each metric (after the charts). */
    static void samples(JsonNode report, StringBuilder h) {
        JsonNode res = report.path("results");
        for (String[] g : GENERATIONS) {
            JsonNode items = res.path(g[0]).path("items");
            if (!items.isArray() || items.isEmpty()) {
                continue;
            }
            boolean verb = g[0].equals("verbmem");
            h.append("<h2>").append(esc(g[1])).append(": sample generations</h2>\n<table><tr><th>")
                    .append(verb ? "prompt (last 300 characters)" : "question").append("</th><th>")
                    .append(verb ? "true continuation" : "answer")
                    .append("</th><th>generation</th><th>ROUGE-L F1</th></tr>\n");
            for (int i = 0; i < Math.min(verb ? 5 : 10, items.size()); i++) {
                JsonNode it = items.get(i);
                String prompt = it.path("prompt").asText();
                if (verb && prompt.length() > 300) {
                    prompt = "..." + prompt.substring(prompt.length() - 300);
                }
                h.append("<tr><td>").append(esc(prompt)).append("</td><td>")
                        .append(esc(it.path("reference").asText())).append("</td><td>")
                        .append(esc(it.path("generation").asText())).append("</td><td class=\"n\">")
                        .append(num(it.path("rouge_l_f1").asDouble())).append("</td></tr>\n");
            }
            h.append("</table>\n");
        }
    }
}
