package dev.lethe.scale;

import static dev.lethe.eval.report.HtmlReport.card;
import static dev.lethe.eval.report.HtmlReport.esc;
import static dev.lethe.eval.report.HtmlReport.num;

import dev.lethe.eval.report.HtmlReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * A sweep's leaderboard as one self-contained HTML page in the eval report's style ({@link HtmlReport#pageStart}):
 * headline cards per recipe, the selection (for a tuned sweep, mean ± std over the reporting seeds), and one table of
 * every run sorted by the {@link Selection} rule: runs whose utility is at least {@code fraction x target} first, then
 * by forget quality, highest first; the rows of each recipe's chosen setting are highlighted. Every number cell keeps
 * the exact value in its {@code title}. {@link #write} puts {@code leaderboard.html} next to {@code sweep.csv}.
 */
public final class Leaderboard {
    /** The file name, next to sweep.csv. */
    public static final String FILE = "leaderboard.html";
    /** The metric shown as forget ROUGE-L; MIA columns are every {@code mia_*_auc} metric some run has. */
    static final String ROUGE = "forget_rougeL_recall";

    private Leaderboard() {
    }

    /** Writes {@code out/leaderboard.html} and returns its path; the arguments are those of {@link Selection#select}. */
    public static Path write(Path out, List<RunResult> rows, String qualityMetric, String utilityMetric,
            double targetUtility, double fraction, int selectionSeed) throws IOException {
        Files.createDirectories(out);
        Path f = out.resolve(FILE);
        Files.writeString(f, render(rows, qualityMetric, utilityMetric, targetUtility, fraction, selectionSeed),
                StandardCharsets.UTF_8);
        return f;
    }

    /** The rows in leaderboard order: utility at or above the bar first, then forget quality descending (stable). */
    public static List<RunResult> ranked(List<RunResult> rows, String qualityMetric, String utilityMetric,
            double bar) {
        List<RunResult> out = new ArrayList<>(rows);
        out.sort(Comparator.comparing((RunResult r) -> !meets(r, utilityMetric, bar))
                .thenComparing(Comparator.comparingDouble((RunResult r) -> orLowest(r.metrics().get(qualityMetric)))
                        .reversed()));
        return out;
    }

    /** The page; the choices are {@link Selection#select} on the same arguments. */
    public static String render(List<RunResult> rows, String qualityMetric, String utilityMetric,
            double targetUtility, double fraction, int selectionSeed) {
        double bar = fraction * targetUtility;
        List<Selection.Choice> choices = Selection.select(rows, qualityMetric, utilityMetric, targetUtility, fraction,
                selectionSeed);
        StringBuilder h = HtmlReport.pageStart("Lethe sweep leaderboard");
        h.append("<style>tr.sel td{background:#fff6cc;font-weight:600}</style>\n");
        h.append("<h1>Lethe sweep leaderboard</h1>\n<p class=\"sub\">").append(rows.size()).append(" runs &middot; ")
                .append("selection on seed ").append(selectionSeed).append(": best ").append(esc(qualityMetric))
                .append(" with ").append(esc(utilityMetric)).append(" &ge; ").append(num(fraction)).append(" &times; ")
                .append(num(targetUtility)).append(" = ").append(num(bar)).append("</p>\n");

        h.append("<h2>Headline</h2>\n<div class=\"cards\">\n");
        for (Selection.Choice c : choices) {
            if (c.settings() == null) {
                card(h, c.recipe(), "&ndash;", "no setting keeps the utility bar");
                continue;
            }
            Selection.Stat q = c.reported().get(qualityMetric);
            String value = q == null ? num(c.selectionQuality()) : num(q.mean()) + " &plusmn; " + num(q.std());
            String note = esc(qualityMetric) + (q == null ? " on seed " + selectionSeed
                    : " over " + q.n() + (q.n() == 1 ? " seed" : " seeds"))
                    + " &middot; " + esc(c.settings().toString());
            card(h, c.recipe(), value, note);
        }
        h.append("</div>\n");

        selectionTable(h, choices, qualityMetric, utilityMetric, selectionSeed);

        TreeSet<String> mia = new TreeSet<>();
        rows.forEach(r -> r.metrics().keySet().stream().filter(k -> k.startsWith("mia_") && k.endsWith("_auc"))
                .forEach(mia::add));
        h.append("<h2>Every run</h2>\n<table id=\"runs\"><tr><th>rank</th><th>recipe</th><th>settings</th>")
                .append("<th>seed</th><th>utility bar</th><th>selection</th><th>").append(esc(qualityMetric))
                .append("</th><th>").append(esc(utilityMetric)).append("</th><th>").append(ROUGE).append("</th>");
        mia.forEach(m -> h.append("<th>").append(esc(m)).append("</th>"));
        h.append("<th>wall s</th><th>model sha256</th></tr>\n");
        int rank = 0;
        for (RunResult r : ranked(rows, qualityMetric, utilityMetric, bar)) {
            String role = role(r, choices, selectionSeed);
            h.append("<tr data-run=\"").append(esc(r.run().id())).append('"')
                    .append(role.isEmpty() ? "" : " class=\"sel\"").append("><td class=\"n\">").append(++rank)
                    .append("</td><td>").append(esc(r.run().recipe())).append("</td><td><code>")
                    .append(esc(r.run().settings().toString())).append("</code></td><td class=\"n\">")
                    .append(r.run().seed()).append("</td><td>").append(meets(r, utilityMetric, bar) ? "meets" : "below")
                    .append("</td><td>").append(role).append("</td>");
            for (String m : headlineMetrics(qualityMetric, utilityMetric, mia)) {
                numCell(h, r.metrics().get(m));
            }
            numCell(h, r.wallSeconds());
            String sha = r.modelSha256() == null ? "" : r.modelSha256();
            h.append("<td title=\"").append(esc(sha)).append("\"><code>")
                    .append(esc(sha.substring(0, Math.min(12, sha.length())))).append("</code></td></tr>\n");
        }
        h.append("</table>\n<p class=\"sub\">Every number is in sweep.json and sweep.csv next to this file; each")
                .append(" cell's title holds the exact value.</p>\n</body>\n</html>\n");
        return h.toString();
    }

    private static void selectionTable(StringBuilder h, List<Selection.Choice> choices, String qualityMetric,
            String utilityMetric, int selectionSeed) {
        h.append("<h2>Selection</h2>\n<table id=\"selection\"><tr><th>recipe</th><th>settings</th><th>")
                .append(esc(qualityMetric)).append(" (seed ").append(selectionSeed).append(")</th><th>")
                .append(esc(utilityMetric)).append(" (seed ").append(selectionSeed).append(")</th>")
                .append("<th>reported (mean &plusmn; std over the other seeds)</th><th>seeds</th></tr>\n");
        for (Selection.Choice c : choices) {
            h.append("<tr><td>").append(esc(c.recipe())).append("</td>");
            if (c.settings() == null) {
                h.append("<td colspan=\"5\">no setting keeps the utility bar</td></tr>\n");
                continue;
            }
            h.append("<td><code>").append(esc(c.settings().toString())).append("</code></td>");
            numCell(h, c.selectionQuality());
            numCell(h, c.selectionUtility());
            h.append("<td>");
            c.reported().forEach((m, s) -> h.append(esc(m)).append(" ").append(num(s.mean())).append(" &plusmn; ")
                    .append(num(s.std())).append("<br>"));
            h.append("</td><td class=\"n\">")
                    .append(c.reported().isEmpty() ? 0 : c.reported().values().iterator().next().n())
                    .append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    private static List<String> headlineMetrics(String qualityMetric, String utilityMetric, TreeSet<String> mia) {
        List<String> m = new ArrayList<>(List.of(qualityMetric, utilityMetric, ROUGE));
        m.addAll(mia);
        return m;
    }

    /** "chosen" for the selection-seed run of a recipe's chosen setting, "reported" for its other seeds, else "". */
    private static String role(RunResult r, List<Selection.Choice> choices, int selectionSeed) {
        for (Selection.Choice c : choices) {
            if (c.settings() != null && c.recipe().equals(r.run().recipe())
                    && c.settings().equals(r.run().settings())) {
                return r.run().seed() == selectionSeed ? "chosen" : "reported";
            }
        }
        return "";
    }

    private static boolean meets(RunResult r, String utilityMetric, double bar) {
        Double u = r.metrics().get(utilityMetric);
        return u != null && u >= bar;
    }

    private static double orLowest(Double v) {
        return v == null || v.isNaN() ? Double.NEGATIVE_INFINITY : v;
    }

    private static void numCell(StringBuilder h, Double v) {
        h.append("<td class=\"n\"").append(v == null ? "" : " title=\"" + v + "\"")
                .append('>').append(num(v)).append("</td>");
    }
}
