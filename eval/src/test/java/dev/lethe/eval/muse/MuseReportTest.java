package dev.lethe.eval.muse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.engine.testing.ExternalTool;
import dev.lethe.eval.report.Charts;
import dev.lethe.eval.report.HtmlReport;
import dev.lethe.eval.report.Json;
import dev.lethe.eval.report.ModelChecksum;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** report.json and report.html of a hand-made MUSE result: every number, ROC points, baseline, Chromium rendering. */
class MuseReportTest {

    @TempDir
    Path tmp;

    /** Forget/holdout scores per attack: forget lower (member-like) by {@code gap}; six forget, five holdout texts. */
    static MuseResult result(double gap, PrivLeakConvention convention) {
        Map<MiaAttack, double[]> f = new EnumMap<>(MiaAttack.class);
        Map<MiaAttack, double[]> h = new EnumMap<>(MiaAttack.class);
        for (MiaAttack a : MiaAttack.values()) {
            double s = 1 + a.ordinal();
            f.put(a, new double[] {s - gap, s + 0.3 - gap, s + 0.1, s - 0.2 - gap, s + 0.6 - gap, s + 0.2});
            h.put(a, new double[] {s + 0.05, s + 0.4, s - 0.1, s + 0.7, s + 0.25});
        }
        PrivLeakResult leak = PrivLeakResult.of(new MiaScores(f, 1), new MiaScores(h, 0), MiaAttack.MIN_K,
                convention, PrivLeakResult.Reference.parse("news", convention));
        MuseResult.Generations vm = MuseResult.Generations.of("verbmem", List.of(
                new MuseResult.Item("prompt <one>", "the green bridge", "the green bridge", 1.0, 1.0),
                new MuseResult.Item("prompt two", "was closed & reopened", "never", 0.0, 0.0)));
        MuseResult.Generations kf = MuseResult.Generations.of("knowmem_forget", List.of(
                new MuseResult.Item("What did Varga paint?", "storms", "storms", 1.0, 1.0)));
        MuseResult.Generations kr = MuseResult.Generations.of("knowmem_retain", List.of(
                new MuseResult.Item("What colour?", "yellow", "bright yellow", 2.0 / 3, 1.0)));
        return new MuseResult(vm, kf, kr, leak);
    }

    static ObjectNode report(double gap) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("benchmark", "muse");
        s.put("privleak_attack", "min_k");
        return MuseReport.build(result(gap, PrivLeakConvention.MUSE), Path.of("models/target"),
                new ModelChecksum("feed", Map.of("model.safetensors", "feed")), s);
    }

    static double trapz(JsonNode roc) {
        double area = 0;
        for (int i = 1; i < roc.path("fpr").size(); i++) {
            area += (roc.path("fpr").get(i).asDouble() - roc.path("fpr").get(i - 1).asDouble())
                    * (roc.path("tpr").get(i).asDouble() + roc.path("tpr").get(i - 1).asDouble()) / 2;
        }
        return area;
    }

    /** Pairs (forget, holdout) with the holdout score lower, ties one half, over all pairs: MUSE's AUC by hand. */
    static double pairs(JsonNode forget, JsonNode holdout) {
        double c = 0;
        for (JsonNode x : forget) {
            for (JsonNode y : holdout) {
                c += y.asDouble() < x.asDouble() ? 1 : y.asDouble() == x.asDouble() ? 0.5 : 0;
            }
        }
        return c / (forget.size() * holdout.size());
    }

    @Test
    void jsonHoldsEveryNumberAndRocPointsWhoseAreaIsTheAuc() throws Exception {
        Path out = tmp.resolve("run");
        HtmlReport.write(out, report(0.5), null, null, null);
        JsonNode rep = Json.readReport(out);
        assertThat(rep.path("benchmark").asText()).isEqualTo("muse");
        assertThat(rep.path("model").path("sha256").asText()).isEqualTo("feed");
        JsonNode head = rep.path("headline");
        assertThat(head.path("verbmem_f").asDouble()).isEqualTo(50.0);
        assertThat(head.path("knowmem_f").asDouble()).isEqualTo(100.0);
        assertThat(head.path("knowmem_r").asDouble()).isCloseTo(200.0 / 3, within(1e-12));
        JsonNode res = rep.path("results");
        assertThat(res.path("verbmem").path("items").size()).isEqualTo(2);
        assertThat(res.path("verbmem").path("items").get(1).path("reference").asText())
                .isEqualTo("was closed & reopened");
        JsonNode p = res.path("privleak");
        assertThat(p.path("attack").asText()).isEqualTo("min_k");
        assertThat(p.path("reference_auc").asDouble()).isEqualTo(0.4772);
        assertThat(p.path("forget_documents").asInt()).isEqualTo(6);
        assertThat(p.path("truncated_documents").asInt()).isEqualTo(1);
        for (MiaAttack a : MiaAttack.values()) {
            JsonNode n = p.path("attacks").path(a.key());
            double hand = pairs(n.path("forget_scores"), n.path("holdout_scores"));
            assertThat(n.path("auc_muse").asDouble()).as(a.key()).isCloseTo(hand, within(1e-12));
            assertThat(n.path("auc_open_unlearning").asDouble()).as(a.key()).isCloseTo(1 - hand, within(1e-12));
            JsonNode roc = n.path("roc");
            assertThat(roc.path("fpr").size()).isGreaterThan(2);
            assertThat(trapz(roc)).as(a.key()).isCloseTo(n.path("auc_muse").asDouble(), within(1e-12));
            assertThat(roc.path("auc").asDouble()).isEqualTo(n.path("auc_muse").asDouble());
        }
        double auc = p.path("attacks").path("min_k").path("auc_muse").asDouble();
        assertThat(head.path("privleak_auc").asDouble()).isEqualTo(auc);
        assertThat(head.path("privleak").asDouble()).isEqualTo((auc - 0.4772) / 0.4772 * 100);
    }

    @Test
    void aRetainReportIsTheNextRunsReference() throws Exception {
        Path retain = tmp.resolve("retain");
        HtmlReport.write(retain, report(0.0), null, null, null);
        PrivLeakResult.Reference ref = MuseReport.reference(retain, MiaAttack.MIN_K, PrivLeakConvention.MUSE);
        assertThat(ref.auc()).isEqualTo(Json.readReport(retain).path("results").path("privleak").path("attacks")
                .path("min_k").path("auc_muse").asDouble());
        assertThat(MuseReport.reference(retain, MiaAttack.LOSS, PrivLeakConvention.OPEN_UNLEARNING).auc())
                .isEqualTo(1 - MuseReport.reference(retain, MiaAttack.LOSS, PrivLeakConvention.MUSE).auc());
        Path tofu = tmp.resolve("tofu.json");
        Files.writeString(tofu, "{\"benchmark\": \"tofu\"}");
        assertThatThrownBy(() -> MuseReport.reference(tofu, MiaAttack.MIN_K, PrivLeakConvention.MUSE))
                .hasMessageContaining("not a MUSE report");
    }

    @Test
    void htmlIsSelfContainedWithBaselineAndDrawnCharts() throws Exception {
        Path base = tmp.resolve("base");
        HtmlReport.write(base, report(1.0), null, null, null);
        Path out = tmp.resolve("after");
        HtmlReport.write(out, report(0.0), Json.readReport(base), base.toString(), null);
        String html = Files.readString(out.resolve("report.html"), StandardCharsets.UTF_8);
        assertThat(html).startsWith("<!DOCTYPE html>").endsWith("</html>\n");
        assertThat(html).doesNotContain("http://", "https://", "<script");
        assertThat(html).contains("MUSE VerbMem on forget", "MUSE PrivLeak (%)", "Before / after", "MUSE metrics",
                "baseline score", "Privacy leakage", "min_k_plus_plus", "prompt &lt;one&gt;",
                "was closed &amp; reopened", "KnowMem (retain QA, utility)");
        Matcher m = Pattern.compile("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"").matcher(html);
        int images = 0;
        while (m.find()) {
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(m.group(1))));
            assertThat(img.getWidth()).isEqualTo(Charts.WIDTH);
            assertThat(colours(img)).as("chart %d is drawn, not blank", images).isGreaterThan(20);
            images++;
        }
        // before/after bars, MUSE score bars, ROC curves, per-attack AUC bars
        assertThat(images).isEqualTo(4);
        assertThat(Json.readReport(out).path("baseline").path("headline").has("privleak")).isTrue();
    }

    /** Renders the page in headless Chromium (Debian package "chromium") and checks the screenshot shows charts. */
    @Test
    void rendersInHeadlessChromium() throws Exception {
        String chromium = null;
        for (String c : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")) {
            if (new File(c).canExecute()) {
                chromium = c;
                break;
            }
        }
        ExternalTool.require(chromium != null, "no headless Chromium installed (apt-get install -y chromium)");
        Path out = tmp.resolve("shot");
        HtmlReport.write(out, report(0.5), null, null, null);
        Path png = tmp.resolve("screen.png");
        Process p = new ProcessBuilder(chromium, "--headless", "--no-sandbox", "--disable-gpu",
                "--hide-scrollbars", "--window-size=1400,2400", "--screenshot=" + png,
                out.resolve("report.html").toUri().toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("chromium.log").toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("chromium finished").isTrue();
        assertThat(Files.exists(png)).as("screenshot written; log: %s",
                Files.readString(tmp.resolve("chromium.log"))).isTrue();
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img.getHeight()).isGreaterThan(1000);
        assertThat(colours(img)).as("the screenshot shows text and charts").isGreaterThan(100);
        int inked = 0;
        for (int y = 0; y < img.getHeight(); y += 4) {
            for (int x = 0; x < img.getWidth(); x += 4) {
                if ((img.getRGB(x, y) & 0xFFFFFF) != 0xFFFFFF) {
                    inked++;
                    break;
                }
            }
        }
        assertThat(inked).isGreaterThan(img.getHeight() / 8);
    }

    static int colours(BufferedImage img) {
        Set<Integer> c = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 2) {
            for (int x = 0; x < img.getWidth(); x += 2) {
                c.add(img.getRGB(x, y));
            }
        }
        return c.size();
    }
}
