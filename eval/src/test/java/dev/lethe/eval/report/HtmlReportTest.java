package dev.lethe.eval.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.engine.testing.ExternalTool;
import dev.lethe.eval.tofu.MiaResult;
import dev.lethe.eval.tofu.TofuItemResult;
import dev.lethe.eval.tofu.TofuResult;
import dev.lethe.eval.tofu.TofuSplit;
import dev.lethe.eval.tofu.TofuSplitResult;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
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

/** report.json and report.html of a hand-made TOFU result: content, embedded charts, headless Chromium rendering. */
class HtmlReportTest {

    @TempDir
    Path tmp;

    static TofuSplitResult split(String name, TofuSplit.Kind kind, int n, double shift) {
        List<TofuItemResult> items = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double ans = 0.5 + 0.1 * i + shift;
            items.add(TofuItemResult.of(kind, "Question <" + i + ">?", "Answer & " + i, "gen " + i, 0.1 * (i % 10),
                    ans, 5, kind == TofuSplit.Kind.OPTIONS ? null : ans + 0.3, new double[] {ans + 0.2 * (i % 3),
                            ans + 1}));
        }
        return TofuSplitResult.of(name, kind, name + ".json", items);
    }

    static ObjectNode report(double shift, double[] reference) throws Exception {
        List<TofuSplitResult> sets = List.of(split("forget", TofuSplit.Kind.FORGET, 12, shift),
                split("retain", TofuSplit.Kind.RETAIN, 12, 0), split("real_authors", TofuSplit.Kind.OPTIONS, 6, 0),
                split("world_facts", TofuSplit.Kind.OPTIONS, 6, 0));
        MiaResult mia = MiaResult.of("forget", "holdout", new double[] {0.5, 0.7, 1.1, 0.9},
                new double[] {1.0, 1.5, 0.6, 2.0}, new double[] {1, 2, 3, 4}, new double[] {2, 3, 4, 5})
                .withAttack(MiaResult.GRAD_NORM, dev.lethe.eval.tofu.MiaAttackScores.of(new double[] {1, 2},
                        new double[] {3, 0.5}));
        TofuResult r = TofuResult.aggregate(sets, reference, mia);
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("batch", 4);
        settings.put("template", "Question: {question}\nAnswer:");
        return TofuReport.build(r, Path.of("models/target"), new ModelChecksum("abc123", Map.of("m.safetensors",
                "abc123")), settings, reference, "retain-run");
    }

    @Test
    void jsonHoldsEveryNumberAndRoundTripsTheReference() throws Exception {
        double[] ref = {0.4, 0.6, 0.8, 1.0, 1.2};
        ObjectNode rep = report(0, ref);
        Path out = tmp.resolve("run");
        HtmlReport.write(out, rep, null, null, null);
        JsonNode back = Json.readReport(out);
        assertThat(back.path("benchmark").asText()).isEqualTo("tofu");
        assertThat(back.path("model").path("sha256").asText()).isEqualTo("abc123");
        assertThat(back.path("headline").path("forget_quality").isNumber()).isTrue();
        assertThat(back.path("headline").path("mia_loss_auc").asDouble()).isEqualTo(0.75); // 12 of 16 (member, non-member) pairs have the larger loss on the non-member
        // gradient norm: 2 of the 4 (member, non-member) pairs have the larger norm on the non-member
        assertThat(back.path("headline").path("mia_grad_norm_auc").asDouble()).isEqualTo(0.5);
        assertThat(back.path("results").path("mia").path("attacks").path("grad_norm").path("member").size())
                .isEqualTo(2);
        assertThat(back.path("results").path("utility_components").size()).isEqualTo(9);
        JsonNode item = back.path("results").path("splits").path("forget").path("items").get(0);
        assertThat(item.path("rouge_l_recall").isNumber()).isTrue();
        assertThat(item.path("perturbed_losses").size()).isEqualTo(2);
        double[] tr = TofuReport.forgetTruthRatios(out);
        assertThat(tr).hasSize(12);
        TofuSplitResult f = split("forget", TofuSplit.Kind.FORGET, 12, 0);
        assertThat(tr).containsExactly(f.truthRatios());
    }

    /**
     * results.mia.loss_roc / min_k_roc: members (class 0) loss {0.5, 0.7, 1.1, 0.9}, non-members (class 1)
     * {1.0, 1.5, 0.6, 2.0}. The trapezoid area of the stored points equals the stored AUC, and both equal the pair
     * count (12 of 16 pairs have the larger loss on the non-member: 3/4; Min-k {1,2,3,4} vs {2,3,4,5}: 4 + 3 + 2 + 1
     * larger plus three ties counting one half, 11.5/16 = 0.71875).
     */
    @Test
    void jsonHoldsRocPointsWhoseAreaIsTheAuc() throws Exception {
        Path out = tmp.resolve("roc");
        HtmlReport.write(out, report(0, null), null, null, null);
        JsonNode mia = Json.readReport(out).path("results").path("mia");
        for (String[] k : new String[][] {{"loss_roc", "loss_auc", "0.75"}, {"min_k_roc", "min_k_auc", "0.71875"}}) {
            JsonNode roc = mia.path(k[0]);
            assertThat(roc.path("fpr").size()).as(k[0]).isGreaterThan(2).isEqualTo(roc.path("tpr").size());
            double area = 0;
            for (int i = 1; i < roc.path("fpr").size(); i++) {
                area += (roc.path("fpr").get(i).asDouble() - roc.path("fpr").get(i - 1).asDouble())
                        * (roc.path("tpr").get(i).asDouble() + roc.path("tpr").get(i - 1).asDouble()) / 2;
            }
            assertThat(area).as(k[0]).isEqualTo(Double.parseDouble(k[2]));
            assertThat(roc.path("auc").asDouble()).isEqualTo(mia.path(k[1]).asDouble()).isEqualTo(area);
            assertThat(roc.path("fpr").get(0).asDouble()).isZero();
            assertThat(roc.path("tpr").get(roc.path("tpr").size() - 1).asDouble()).isEqualTo(1.0);
        }
    }

    @Test
    void htmlIsSelfContainedWithDrawnCharts() throws Exception {
        Path base = tmp.resolve("base");
        HtmlReport.write(base, report(-0.4, new double[] {0.4, 0.6, 0.8}), null, null, null);
        Path log = tmp.resolve("metrics.jsonl");
        Files.writeString(log, "{\"step\":1,\"loss\":2.0,\"forget_loss\":1.5,\"lr\":0.1}\n"
                + "{\"step\":2,\"loss\":1.5,\"forget_loss\":1.9}\n{\"step\":3,\"loss\":1.2,\"forget_loss\":2.4}\n");
        Path out = tmp.resolve("after");
        HtmlReport.write(out, report(0.3, new double[] {0.4, 0.6, 0.8}), Json.readReport(base), base.toString(), log);
        String html = Files.readString(out.resolve("report.html"), StandardCharsets.UTF_8);
        assertThat(html).startsWith("<!DOCTYPE html>").endsWith("</html>\n");
        assertThat(html).contains("MIA AUC (gradient norm)");
        assertThat(html).doesNotContain("http://", "https://", "<script");
        assertThat(html).contains("Before / after", "Forget quality (KS p-value)", "Question &lt;0&gt;?",
                "Answer &amp; 0", "Model utility components");
        for (String tag : List.of("html", "head", "body", "table", "style", "tr", "div")) {
            assertThat(count(html, "<" + tag + "[ >]")).as(tag).isEqualTo(count(html, "</" + tag + ">"));
        }
        Matcher m = Pattern.compile("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"").matcher(html);
        int images = 0;
        while (m.find()) {
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(m.group(1))));
            assertThat(img.getWidth()).isEqualTo(Charts.WIDTH);
            assertThat(colours(img)).as("chart %d is drawn, not blank", images).isGreaterThan(20);
            images++;
        }
        // before/after bars, log10 FQ bars, per-set bars, truth-ratio histogram, ROC, loss curves
        assertThat(images).isEqualTo(6);
        assertThat(Json.readReport(out).path("baseline").path("headline").has("model_utility")).isTrue();
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
        HtmlReport.write(out, report(0, new double[] {0.4, 0.6, 0.8}), null, null, null);
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
        // the charts area (below the headline and tables) has non-white pixels in many rows
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

    static int count(String s, String regex) {
        Matcher m = Pattern.compile(regex).matcher(s);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
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
