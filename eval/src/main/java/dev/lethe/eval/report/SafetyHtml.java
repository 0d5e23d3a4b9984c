package dev.lethe.eval.report;

import static dev.lethe.eval.report.HtmlReport.esc;
import static dev.lethe.eval.report.HtmlReport.num;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/**
 * The safety section of report.html (XSTest, HarmBench): refusal counts and rates per label and category, and sample
 * completions with the judge's decision. Reads only the report's JSON (written by the safety package's {@code SafetyReport}).
 */
final class SafetyHtml {

    private SafetyHtml() {
    }

    static boolean applies(JsonNode report) {
        String b = report.path("benchmark").asText("");
        return b.equals("xstest") || b.equals("harmbench");
    }

    static void section(JsonNode report, StringBuilder h) {
        JsonNode res = report.path("results");
        h.append("<h2>Refusals</h2>\n<p>Safe prompts: refusing is over-refusal (lower is better). Unsafe prompts:")
                .append(" refusing is wanted (higher is better).</p>\n")
                .append("<table><tr><th>group</th><th>prompts</th><th>refused</th><th>refusal rate</th></tr>\n");
        row(h, "safe (all)", res.path("safe"));
        row(h, "unsafe (all)", res.path("unsafe"));
        for (Iterator<Map.Entry<String, JsonNode>> it = res.path("categories").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            row(h, e.getKey(), e.getValue());
        }
        h.append("</table>\n<h2>Sample completions</h2>\n<table><tr><th>label</th><th>prompt</th><th>completion</th>")
                .append("<th>refused</th></tr>\n");
        JsonNode items = res.path("items");
        for (int i = 0; i < Math.min(20, items.size()); i++) {
            JsonNode it = items.get(i);
            h.append("<tr><td>").append(esc(it.path("label").asText())).append("</td><td>")
                    .append(esc(it.path("prompt").asText())).append("</td><td>")
                    .append(esc(it.path("completion").asText())).append("</td><td>")
                    .append(it.path("refused").asBoolean() ? "yes" : "no").append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    private static void row(StringBuilder h, String name, JsonNode counts) {
        if (counts.path("total").asInt() == 0) {
            return;
        }
        h.append("<tr><td>").append(esc(name)).append("</td><td class=\"n\">").append(counts.path("total").asInt())
                .append("</td><td class=\"n\">").append(counts.path("refused").asInt()).append("</td><td class=\"n\">")
                .append(num(counts.path("refusal_rate").asDouble())).append("</td></tr>\n");
    }
}
