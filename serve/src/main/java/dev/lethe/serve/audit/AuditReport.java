package dev.lethe.serve.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.eval.report.HtmlReport;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A human-readable, self-contained HTML report of one job from the audit trail, in the eval report's page style and
 * pieces ({@link HtmlReport#pageStart}, {@link HtmlReport#card}): the chain verification at export time, the outcome
 * (new version, model hashes, the gate's verdict and scores as headline cards), and every record about the job and
 * about the versions it produced (time, actor, action, details) with its hash, so the report can be checked against
 * the database later.
 */
public final class AuditReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AuditReport() {
    }

    /** The report of {@code jobId}; throws IllegalArgumentException when the trail has no record of it. */
    public static String html(AuditTrail audit, String jobId) throws IOException {
        List<AuditTrail.Entry> rows = new ArrayList<>();
        List<String> versions = new ArrayList<>();
        for (AuditTrail.Entry e : audit.entries()) {
            JsonNode d = JSON.readTree(e.details());
            boolean aboutJob = e.subject().equals(jobId) || jobId.equals(d.path("job").asText(null));
            if (aboutJob && e.action().equals("version.created")) {
                versions.add(e.subject());
            }
            if (aboutJob || versions.contains(e.subject()) && e.action().startsWith("model.")) {
                rows.add(e);
            }
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("the audit trail has no record of job '" + jobId + "'");
        }
        AuditTrail.Verification v = audit.verify();
        StringBuilder h = HtmlReport.pageStart("Lethe audit: " + jobId);
        h.append("<h1>Audit report of job ").append(esc(jobId)).append("</h1>\n");
        h.append("<p class=\"sub\">Chain verification at export: ").append(v.ok() ? "<b class=\"up\">intact</b>"
                : "<b class=\"down\">BROKEN: " + esc(v.problem()) + "</b>").append(" (").append(v.rows())
                .append(" records in the trail).</p>\n");
        for (AuditTrail.Entry e : rows) {
            if (e.action().equals("job.succeeded")) {
                outcome(h, JSON.readTree(e.details()));
            }
        }
        h.append("<h2>Records</h2>\n<table><tr><th>#</th><th>time (UTC)</th><th>actor</th><th>action</th>"
                + "<th>subject</th><th>details</th><th>hash</th></tr>\n");
        for (AuditTrail.Entry e : rows) {
            h.append("<tr><td class=\"n\">").append(e.seq()).append("</td><td>").append(esc(e.time()))
                    .append("</td><td>").append(esc(e.actor())).append("</td><td>").append(esc(e.action()))
                    .append("</td><td>").append(esc(e.subject())).append("</td><td><pre>")
                    .append(esc(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(e.details()))))
                    .append("</pre></td><td><code>").append(e.hash(), 0, 16).append("…</code></td></tr>\n");
        }
        return h.append("</table>\n</body>\n</html>\n").toString();
    }

    /** The outcome of a finished job as headline cards: the new version, the gate's verdict and every gate score. */
    private static void outcome(StringBuilder h, JsonNode d) {
        JsonNode gate = d.path("gate");
        h.append("<h2>Outcome</h2>\n<p class=\"sub\">model sha256 <code>").append(esc(d.path("model_sha256_before")
                .asText())).append("</code> &rarr; <code>").append(esc(d.path("model_sha256_after").asText()))
                .append("</code></p>\n<div class=\"cards\">\n");
        HtmlReport.card(h, "new version", "v" + d.path("version").asInt(), esc(d.path("method").asText(
                d.path("recipe").asText(""))));
        HtmlReport.card(h, "gate", gate.path("passed").asBoolean() ? "passed" : "failed",
                gate.path("checked").asBoolean(true) ? null : "no gate given");
        for (var it = gate.fields(); it.hasNext(); ) {
            var f = it.next();
            if (f.getValue().isNumber()) {
                HtmlReport.card(h, f.getKey().replace('_', ' '), HtmlReport.num(f.getValue().asDouble()), null);
            }
        }
        h.append("</div>\n");
    }

    private static String esc(String s) {
        return HtmlReport.esc(s);
    }
}
