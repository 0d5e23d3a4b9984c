package dev.lethe.eval.metrics;

/**
 * Points of a ROC curve as {@code sklearn.metrics.roc_curve} returns them (false- and true-positive rates at
 * decreasing thresholds, the first point (0, 0) at threshold +infinity) and the area {@link RocAuc} integrates from
 * exactly these points ({@code np.trapz(tpr, fpr)}). Written into report.json so a reader can redraw the curve.
 */
public record RocCurve(double[] fpr, double[] tpr, double[] thresholds, double auc) implements java.io.Serializable {

    public RocCurve {
        if (fpr.length != tpr.length || fpr.length != thresholds.length) {
            throw new IllegalArgumentException("ROC curve: fpr, tpr and thresholds need equal lengths, got "
                    + fpr.length + ", " + tpr.length + ", " + thresholds.length);
        }
        fpr = fpr.clone();
        tpr = tpr.clone();
        thresholds = thresholds.clone();
    }

    /** {@code np.trapz(tpr, fpr)}: the area under these points. */
    public double trapezoidArea() {
        return RocAuc.trapz(tpr, fpr);
    }
}
