package dev.lethe.eval.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.statistics.HistogramDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The report's charts, drawn with JFreeChart into PNG images and returned as {@code data:image/png;base64,...} URIs so
 * that report.html is one file that needs no network. Every method takes plain numbers.
 */
public final class Charts {

    public static final int WIDTH = 640;
    public static final int HEIGHT = 360;

    private Charts() {
    }

    /** Overlaid histograms of log10 of each named sample (e.g. truth ratios), with {@code bins} shared bins. */
    public static String log10Histogram(String title, String xLabel, Map<String, double[]> samples, int bins) {
        HistogramDataset ds = new HistogramDataset();
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        Map<String, double[]> logs = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> e : samples.entrySet()) {
            double[] l = Arrays.stream(e.getValue()).filter(v -> v > 0 && Double.isFinite(v)).map(Math::log10)
                    .toArray();
            if (l.length > 0) {
                logs.put(e.getKey(), l);
                lo = Math.min(lo, Arrays.stream(l).min().getAsDouble());
                hi = Math.max(hi, Arrays.stream(l).max().getAsDouble());
            }
        }
        if (hi - lo < 1e-9) {
            lo -= 0.5;
            hi += 0.5;
        }
        for (Map.Entry<String, double[]> e : logs.entrySet()) {
            ds.addSeries(e.getKey() + " (n=" + e.getValue().length + ")", e.getValue(), bins, lo, hi);
        }
        JFreeChart c = ChartFactory.createHistogram(title, xLabel, "items", ds, PlotOrientation.VERTICAL, true,
                false, false);
        XYPlot plot = c.getXYPlot();
        plot.setForegroundAlpha(0.55f);
        ((XYBarRenderer) plot.getRenderer()).setShadowVisible(false);
        ((XYBarRenderer) plot.getRenderer()).setBarPainter(new org.jfree.chart.renderer.xy.StandardXYBarPainter());
        return png(c);
    }

    /**
     * ROC curves drawn from stored points (report.json's {@code fpr}/{@code tpr} arrays, as sklearn's roc_curve
     * returns them): {@code curves.get(name)} = {fpr, tpr}; the name should carry the AUC. The chance diagonal is
     * added.
     */
    public static String rocPoints(String title, Map<String, double[][]> curves) {
        XYSeriesCollection ds = new XYSeriesCollection();
        curves.forEach((name, pts) -> {
            XYSeries s = new XYSeries(name, false, true);
            for (int i = 0; i < pts[0].length; i++) {
                s.add(pts[0][i], pts[1][i]);
            }
            ds.addSeries(s);
        });
        XYSeries chance = new XYSeries("chance", false, true);
        chance.add(0.0, 0.0);
        chance.add(1.0, 1.0);
        ds.addSeries(chance);
        JFreeChart c = ChartFactory.createXYLineChart(title, "false positive rate", "true positive rate", ds,
                PlotOrientation.VERTICAL, true, false, false);
        XYLineAndShapeRenderer r = (XYLineAndShapeRenderer) c.getXYPlot().getRenderer();
        for (int i = 0; i < curves.size(); i++) {
            r.setSeriesStroke(i, new BasicStroke(2.5f));
        }
        int last = curves.size();
        r.setSeriesPaint(last, Color.GRAY);
        r.setSeriesStroke(last, new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f,
                new float[] {4f, 4f}, 0f));
        return png(c);
    }

    /**
     * Grouped horizontal bars: {@code values.get(series).get(category)}, one row per category with its label in full
     * on the left (labels get up to {@value #LABEL_WIDTH_RATIO} of the width, on up to two lines), the image as tall
     * as the rows need.
     */
    public static String bars(String title, String yLabel, Map<String, Map<String, Double>> values) {
        JFreeChart c = barChart(title, yLabel, values);
        return png(c, WIDTH, barsHeight(c));
    }

    /** Share of the chart's width the category labels of {@link #bars} may take. */
    static final float LABEL_WIDTH_RATIO = 0.4f;

    /** The chart {@link #bars} draws. */
    static JFreeChart barChart(String title, String yLabel, Map<String, Map<String, Double>> values) {
        DefaultCategoryDataset ds = new DefaultCategoryDataset();
        values.forEach((series, row) -> row.forEach((cat, v) -> {
            if (v != null && Double.isFinite(v)) {
                ds.addValue(v, series, cat);
            }
        }));
        JFreeChart c = ChartFactory.createBarChart(title, null, yLabel, ds, PlotOrientation.HORIZONTAL, true, false,
                false);
        c.getCategoryPlot().setRangeAxisLocation(AxisLocation.BOTTOM_OR_LEFT);
        CategoryAxis axis = c.getCategoryPlot().getDomainAxis();
        axis.setMaximumCategoryLabelWidthRatio(LABEL_WIDTH_RATIO);
        axis.setMaximumCategoryLabelLines(2);
        org.jfree.chart.renderer.category.BarRenderer r =
                (org.jfree.chart.renderer.category.BarRenderer) c.getCategoryPlot().getRenderer();
        r.setShadowVisible(false);
        r.setBarPainter(new org.jfree.chart.renderer.category.StandardBarPainter());
        return c;
    }

    /** Height of a {@link #bars} image: room for title, legend and axis plus 16 px per bar, at least 200 px. */
    static int barsHeight(JFreeChart barChart) {
        DefaultCategoryDataset ds = (DefaultCategoryDataset) barChart.getCategoryPlot().getDataset();
        return Math.max(200, 130 + 16 * ds.getColumnCount() * Math.max(1, ds.getRowCount()));
    }

    /** Line chart of y against x for each named series ({@code series.get(name)} = list of {x, y}). */
    public static String lines(String title, String xLabel, String yLabel, Map<String, List<double[]>> series) {
        XYSeriesCollection ds = new XYSeriesCollection();
        series.forEach((name, pts) -> {
            XYSeries s = new XYSeries(name, false, true);
            for (double[] p : pts) {
                if (Double.isFinite(p[1])) {
                    s.add(p[0], p[1]);
                }
            }
            ds.addSeries(s);
        });
        JFreeChart c = ChartFactory.createXYLineChart(title, xLabel, yLabel, ds, PlotOrientation.VERTICAL, true,
                false, false);
        return png(c);
    }

    static String png(JFreeChart chart) {
        return png(chart, WIDTH, HEIGHT);
    }

    static String png(JFreeChart chart, int width, int height) {
        chart.setBackgroundPaint(Color.WHITE);
        BufferedImage img = chart.createBufferedImage(width, height);
        try {
            return "data:image/png;base64," + Base64.getEncoder().encodeToString(ChartUtils.encodeAsPNG(img));
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode a chart as PNG", e);
        }
    }
}
