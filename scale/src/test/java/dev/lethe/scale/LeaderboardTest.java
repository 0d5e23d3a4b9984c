package dev.lethe.scale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leaderboard page parsed back with regular expressions on a hand-made table (target utility 0.8, fraction 0.9,
 * so the bar is 0.72; selection seed 0): every run's row with its exact numbers, the order worked out by hand, the
 * chosen setting's rows highlighted, and a hostile recipe and setting escaped.
 */
class LeaderboardTest {
    static final String HOSTILE_RECIPE = "<script>alert('x')</script>";
    static final String HOSTILE_LR = "\"><b>x</b>&";
    static final Pattern ROW = Pattern.compile("<tr data-run=\"([^\"]*)\"( class=\"sel\")?>(.*?)</tr>");
    static final Pattern CELL = Pattern.compile("<td([^>]*)>(.*?)</td>");
    static final Pattern TITLE = Pattern.compile("title=\"([^\"]*)\"");

    @TempDir
    Path tmp;

    static RunResult row(String recipe, String lr, int seed, double fq, double mu, double rouge, double mia,
            double wall, String sha) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("forget_quality", fq);
        m.put("model_utility_retain", mu);
        m.put("forget_rougeL_recall", rouge);
        m.put("mia_loss_auc", mia);
        return new RunResult(new RunSpec(recipe, Map.of("lr", lr), seed), m, wall, sha);
    }

    static List<RunResult> rows() {
        return List.of(
                row("npo", "1e-5", 0, 0.5, 0.71, 0.11, 0.61, 12.5, "aaaaaaaaaaaaaaaaffff"), // below the bar
                row("npo", "5e-5", 0, 0.2, 0.75, 0.22, 0.62, 13.25, "bbbbbbbbbbbbbbbbffff"), // the choice
                row("npo", "1e-4", 0, 0.1, 0.90, 0.33, 0.63, 14.0, "cccccccccccccccc"),
                row("npo", "5e-5", 1, 0.3, 0.70, 0.44, 0.64, 15.0, "dddd"), // reported, below the bar
                row("npo", "5e-5", 2, 0.123456789, 0.80, 0.55, 0.65, 16.0, "eeee"), // reported
                row(HOSTILE_RECIPE, HOSTILE_LR, 0, 0.9, 0.10, 0.66, 0.66, 17.0, "ffff")); // below the bar
    }

    /** Parsed rows: id, highlighted, and the cells (the title when a cell has one, else the unescaped text). */
    record Parsed(String id, boolean sel, List<String> text, List<String> title) {
    }

    static List<Parsed> parse(String html) {
        List<Parsed> out = new ArrayList<>();
        Matcher r = ROW.matcher(html);
        while (r.find()) {
            List<String> text = new ArrayList<>();
            List<String> title = new ArrayList<>();
            Matcher c = CELL.matcher(r.group(3));
            while (c.find()) {
                Matcher t = TITLE.matcher(c.group(1));
                title.add(t.find() ? t.group(1) : null);
                text.add(unescape(c.group(2).replaceAll("</?code>", "")));
            }
            out.add(new Parsed(unescape(r.group(1)), r.group(2) != null, text, title));
        }
        return out;
    }

    static String unescape(String s) {
        return s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'")
                .replace("&amp;", "&");
    }

    @Test
    void everyRunIsARowWithItsExactNumbersInTheSelectionRuleOrderAndTheChosenSettingHighlighted() throws Exception {
        List<RunResult> rows = rows();
        Path f = Leaderboard.write(tmp, rows, "forget_quality", "model_utility_retain", 0.8, 0.9, 0);
        assertThat(f).isEqualTo(tmp.resolve("leaderboard.html"));
        List<Parsed> parsed = parse(Files.readString(f));
        // by hand: meeting the bar 0.72 (fq 0.2, 0.123456789, 0.1), then below it (fq 0.9, 0.5, 0.3)
        List<RunResult> expected = List.of(rows.get(1), rows.get(4), rows.get(2), rows.get(5), rows.get(0),
                rows.get(3));
        assertThat(parsed).extracting(Parsed::id).containsExactlyElementsOf(
                expected.stream().map(r -> r.run().id()).toList());
        for (int i = 0; i < expected.size(); i++) {
            RunResult r = expected.get(i);
            Parsed p = parsed.get(i);
            // columns: rank, recipe, settings, seed, bar, selection, fq, utility, rouge, mia_loss_auc, wall, sha
            assertThat(p.text().get(0)).isEqualTo(Integer.toString(i + 1));
            assertThat(p.text().get(1)).isEqualTo(r.run().recipe());
            assertThat(p.text().get(2)).isEqualTo("{lr=" + r.run().settings().get("lr") + "}");
            assertThat(p.text().get(3)).isEqualTo(Integer.toString(r.run().seed()));
            assertThat(p.text().get(4)).isEqualTo(i < 3 ? "meets" : "below");
            List<Double> want = List.of(r.metrics().get("forget_quality"), r.metrics().get("model_utility_retain"),
                    r.metrics().get("forget_rougeL_recall"), r.metrics().get("mia_loss_auc"), r.wallSeconds());
            for (int k = 0; k < want.size(); k++) {
                assertThat(Double.parseDouble(p.title().get(6 + k))).isEqualTo(want.get(k)); // exact, from the title
                assertThat(Double.parseDouble(p.text().get(6 + k))).isCloseTo(want.get(k), within(5e-5)); // shown
            }
            assertThat(p.title().get(11)).isEqualTo(r.modelSha256());
            assertThat(p.text().get(11)).isEqualTo(r.modelSha256().substring(0, Math.min(12,
                    r.modelSha256().length())));
        }
        // the chosen setting npo lr=5e-5: its selection-seed row "chosen", its other seeds "reported"; nothing else
        assertThat(parsed).filteredOn(Parsed::sel).extracting(Parsed::id)
                .containsExactly("npo_lr=5e-5_seed0", "npo_lr=5e-5_seed2", "npo_lr=5e-5_seed1");
        assertThat(parsed).extracting(p -> p.text().get(5))
                .containsExactly("chosen", "reported", "", "", "", "reported");
    }

    @Test
    void theHeadlineCardShowsTheReportedMeanAndStdAndARecipeWithoutAChoiceSaysSo() {
        String html = Leaderboard.render(rows(), "forget_quality", "model_utility_retain", 0.8, 0.9, 0);
        // seeds 1 and 2 of npo lr=5e-5: fq 0.3 and 0.123456789, mean 0.2117283945, sample std 0.1248349017
        assertThat(html).contains("<div class=\"v\">0.2117 &plusmn; 0.1248</div>");
        // the hostile recipe's only run is below the bar
        assertThat(html).contains("<div class=\"v\">&ndash;</div><div class=\"b\">no setting keeps the utility bar");
    }

    @Test
    void aHostileRecipeAndSettingAreEscaped() {
        String html = Leaderboard.render(rows(), "forget_quality", "model_utility_retain", 0.8, 0.9, 0);
        assertThat(html).doesNotContain("<script>", "<b>x</b>", "\"><b>")
                .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;", "{lr=&quot;&gt;&lt;b&gt;x&lt;/b&gt;&amp;}");
    }
}
