package dev.lethe.serve.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A human-readable, self-contained HTML report of one job from the audit trail: every record about the job and about
 * the versions it produced (time, actor, action, details), the chain verification at export time, and each record's
 * hash so the report can be checked against the database later.
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
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Lethe audit: ").append(esc(jobId))
                .append("</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
                        + "td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}"
                        + "pre{margin:0;white-space:pre-wrap;max-width:70em}.ok{color:#070}.bad{color:#a00}"
                        + "</style></head><body>");
        h.append("<h1>Audit report of job ").append(esc(jobId)).append("</h1>");
        h.append("<p>Chain verification at export: ").append(v.ok() ? "<b class=\"ok\">intact</b>"
                : "<b class=\"bad\">BROKEN: " + esc(v.problem()) + "</b>").append(" (").append(v.rows())
                .append(" records in the trail).</p>");
        h.append("<table><tr><th>#</th><th>time (UTC)</th><th>actor</th><th>action</th><th>subject</th>"
                + "<th>details</th><th>hash</th></tr>");
        for (AuditTrail.Entry e : rows) {
            h.append("<tr><td>").append(e.seq()).append("</td><td>").append(esc(e.time())).append("</td><td>")
                    .append(esc(e.actor())).append("</td><td>").append(esc(e.action())).append("</td><td>")
                    .append(esc(e.subject())).append("</td><td><pre>")
                    .append(esc(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(e.details()))))
                    .append("</pre></td><td><code>").append(e.hash(), 0, 16).append("…</code></td></tr>");
        }
        return h.append("</table></body></html>\n").toString();
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
