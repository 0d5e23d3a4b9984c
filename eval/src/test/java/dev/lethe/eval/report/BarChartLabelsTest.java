package dev.lethe.eval.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Graphics2D;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.text.TextBlock;
import org.jfree.chart.text.TextLine;
import org.jfree.chart.ui.RectangleEdge;
import org.junit.jupiter.api.Test;

/**
 * The report's bar charts draw every category label in full: the labels JFreeChart lays out while drawing the image
 * are recorded and compared with the categories. The old vertical layout at the same width is the control that shows
 * the check sees truncation ("forg...").
 */
class BarChartLabelsTest {

    /** A category axis that records the label text blocks it draws. */
    static final class RecordingAxis extends CategoryAxis {
        final List<String> drawn = new ArrayList<>();

        RecordingAxis(CategoryAxis like) {
            setMaximumCategoryLabelWidthRatio(like.getMaximumCategoryLabelWidthRatio());
            setMaximumCategoryLabelLines(like.getMaximumCategoryLabelLines());
            setCategoryMargin(like.getCategoryMargin());
        }

        @Override
        protected TextBlock createLabel(Comparable category, float width, RectangleEdge edge, Graphics2D g2) {
            TextBlock b = super.createLabel(category, width, edge, g2);
            StringBuilder sb = new StringBuilder();
            for (Object l : b.getLines()) {
                sb.append(sb.length() == 0 ? "" : " ").append(((TextLine) l).getFirstTextFragment().getText().strip());
            }
            drawn.add(sb.toString());
            return b;
        }
    }

    /** The headline labels of a TOFU + MUSE report, before and after, as HtmlReport charts them. */
    static Map<String, Map<String, Double>> headline() {
        Map<String, Double> before = new LinkedHashMap<>();
        Map<String, Double> after = new LinkedHashMap<>();
        int i = 0;
        for (String label : HtmlReport.SHORT.values()) {
            before.put(label, 0.1 * (i % 7) + 0.05);
            after.put(label, 0.08 * (i % 5) + 0.1);
            i++;
        }
        Map<String, Map<String, Double>> m = new LinkedHashMap<>();
        m.put("baseline", before);
        m.put("this model", after);
        return m;
    }

    static List<String> drawnLabels(JFreeChart c, int width, int height) {
        RecordingAxis axis = new RecordingAxis(c.getCategoryPlot().getDomainAxis());
        c.getCategoryPlot().setDomainAxis(axis);
        c.createBufferedImage(width, height);
        return axis.drawn;
    }

    @Test
    void everyLabelIsDrawnInFull() {
        Map<String, Map<String, Double>> values = headline();
        JFreeChart c = Charts.barChart("Before / after", "value", values);
        List<String> drawn = drawnLabels(c, Charts.WIDTH, Charts.barsHeight(c));
        // JFreeChart lays the labels out twice (to reserve space, then to draw)
        assertThat(new java.util.HashSet<>(drawn)).containsExactlyInAnyOrderElementsOf(values.get("baseline").keySet());
        assertThat(drawn).noneMatch(s -> s.contains("..."));
        assertThat(Charts.barsHeight(c)).isEqualTo(130 + 16 * HtmlReport.SHORT.size() * 2);
    }

    @Test
    void theOldVerticalLayoutTruncatedTheSameLabels() {
        Map<String, Map<String, Double>> values = headline();
        JFreeChart old = Charts.barChart("Before / after", "value", values);
        JFreeChart vertical = ChartFactory.createBarChart("Before / after", null, "value",
                old.getCategoryPlot().getDataset(), PlotOrientation.VERTICAL, true, false, false);
        List<String> drawn = drawnLabels(vertical, Charts.WIDTH, Charts.HEIGHT);
        assertThat(drawn).anyMatch(s -> s.endsWith("..."));
    }

    @Test
    void barsImageIsAPngOfTheComputedHeight() throws Exception {
        String uri = Charts.bars("Before / after", "value", headline());
        assertThat(uri).startsWith("data:image/png;base64,");
        byte[] png = java.util.Base64.getDecoder().decode(uri.substring("data:image/png;base64,".length()));
        java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(png));
        assertThat(img.getWidth()).isEqualTo(Charts.WIDTH);
        assertThat(img.getHeight()).isEqualTo(130 + 16 * HtmlReport.SHORT.size() * 2);
    }
}
