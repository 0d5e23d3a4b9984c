package dev.lethe.eval.edit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * report.json + report.html of an editing benchmark (MQuAKE or CounterFact): the edited model's scores, the baseline
 * (unedited) model's when given, and the perplexity of unrelated text for both. Files are written atomically.
 */
public final class EditReport {
    private EditReport() {
    }

    /** {@code baseline} and the perplexities may be null. */
    public static void write(Path out, String benchmark, Path model, Record edited, Record baseline, Double ppl,
            Double baselinePpl) throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("benchmark", benchmark);
        root.put("model", model.toString());
        root.put("edited", edited);
        if (baseline != null) {
            root.put("baseline", baseline);
        }
        if (ppl != null) {
            root.put("unrelated_perplexity", ppl);
        }
        if (baselinePpl != null) {
            root.put("unrelated_perplexity_baseline", baselinePpl);
        }
        Files.createDirectories(out);
        atomic(out.resolve("report.json"), json.writeValueAsString(root));
        StringBuilder h = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>Lethe "
                + benchmark + " report</title><style>body{font-family:sans-serif;margin:2em}td,th{padding:.3em .8em;"
                + "border-bottom:1px solid #ddd;text-align:right}th:first-child,td:first-child{text-align:left}</style>"
                + "</head><body><h1>Knowledge editing: " + benchmark + "</h1><p>model: " + escape(model.toString())
                + "</p><h2>Editing</h2><table><tr><th>metric</th><th>edited</th>"
                + (baseline != null ? "<th>baseline</th>" : "") + "</tr>");
        Map<String, Object> e = json.convertValue(edited, Map.class);
        Map<String, Object> b = baseline == null ? null : json.convertValue(baseline, Map.class);
        for (String k : e.keySet()) {
            h.append("<tr><td>").append(k).append("</td><td>").append(format(e.get(k))).append("</td>");
            if (b != null) {
                h.append("<td>").append(format(b.get(k))).append("</td>");
            }
            h.append("</tr>");
        }
        if (ppl != null) {
            h.append("<tr><td>unrelated perplexity</td><td>").append(format(ppl)).append("</td>");
            if (b != null) {
                h.append("<td>").append(format(baselinePpl)).append("</td>");
            }
            h.append("</tr>");
        }
        h.append("</table></body></html>\n");
        atomic(out.resolve("report.html"), h.toString());
    }

    private static String format(Object v) {
        return v instanceof Double d ? String.format(java.util.Locale.ROOT, "%.4f", d) : String.valueOf(v);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static void atomic(Path file, String text) throws IOException {
        Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
