package dev.lethe.eval.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Area under the ROC curve exactly as {@code sklearn.metrics.roc_auc_score(y_true, y_score)} (scikit-learn 1.2, binary
 * case) and {@code auc(*roc_curve(y_true, y_score)[:2])} compute it: scores sorted in descending order, one ROC point per
 * distinct score (so tied scores count one half, the Mann-Whitney convention), collinear points dropped
 * ({@code drop_intermediate=True}), rates as cumulative counts divided by the totals, and the trapezoidal rule summed
 * the way {@code np.trapz} does. Used by OU/MUSE membership-inference AUCs and SemEval's MIA score.
 */
public final class RocAuc {

    private RocAuc() {
    }

    /**
     * @param positive true for the positive class (label 1)
     * @param score    larger means "more positive"; NaN or infinite scores are rejected as sklearn does
     */
    public static double score(boolean[] positive, double[] score) {
        return curve(positive, score).auc();
    }

    /**
     * The ROC curve {@link #score} integrates, as {@code sklearn.metrics.roc_curve(y_true, y_score)} returns it
     * ({@code drop_intermediate=True}): a first point (0, 0) at threshold +infinity (scikit-learn 1.3+), then one point
     * per distinct score kept, with its threshold; the AUC is {@code np.trapz(tpr, fpr)} of exactly these points.
     */
    public static RocCurve curve(boolean[] positive, double[] score) {
        if (positive.length != score.length) {
            throw new IllegalArgumentException("roc_auc_score: " + positive.length + " labels but " + score.length
                    + " scores; pass one score per label");
        }
        int n = score.length;
        int pos = 0;
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(score[i])) {
                throw new IllegalArgumentException("roc_auc_score: score[" + i + "] = " + score[i] + " is not finite");
            }
            if (positive[i]) {
                pos++;
            }
        }
        if (pos == 0 || pos == n) {
            throw new IllegalArgumentException("roc_auc_score: only one class present in the labels ("
                    + n + " samples, " + pos + " positive); ROC AUC is not defined, give both members and non-members");
        }
        // np.argsort(score, kind="mergesort")[::-1]: stable ascending, then reversed.
        Integer[] asc = IntStream.range(0, n).boxed().toArray(Integer[]::new);
        java.util.Arrays.sort(asc, (i, j) -> score[i] < score[j] ? -1 : (score[i] > score[j] ? 1 : 0)); // -0.0 == 0.0 as NumPy
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = asc[n - 1 - i];
        }
        List<double[]> points = new ArrayList<>(); // {fps, tps, threshold} at each threshold
        double tps = 0;
        for (int k = 0; k < n; k++) {
            if (positive[order[k]]) {
                tps += 1;
            }
            boolean last = k == n - 1 || score[order[k + 1]] != score[order[k]];
            if (last) {
                points.add(new double[] {1 + k - tps, tps, score[order[k]]});
            }
        }
        List<double[]> kept = new ArrayList<>();
        if (points.size() > 2) {
            for (int i = 0; i < points.size(); i++) {
                if (i == 0 || i == points.size() - 1) {
                    kept.add(points.get(i));
                    continue;
                }
                double[] p0 = points.get(i - 1);
                double[] p1 = points.get(i);
                double[] p2 = points.get(i + 1);
                double d2f = (p2[0] - p1[0]) - (p1[0] - p0[0]);
                double d2t = (p2[1] - p1[1]) - (p1[1] - p0[1]);
                if (d2f != 0 || d2t != 0) {
                    kept.add(p1);
                }
            }
        } else {
            kept.addAll(points);
        }
        int m = kept.size() + 1;
        double[] fpr = new double[m];
        double[] tpr = new double[m];
        double[] thresholds = new double[m];
        thresholds[0] = Double.POSITIVE_INFINITY;
        double fTot = kept.get(kept.size() - 1)[0];
        double tTot = kept.get(kept.size() - 1)[1];
        for (int i = 1; i < m; i++) {
            fpr[i] = kept.get(i - 1)[0] / fTot;
            tpr[i] = kept.get(i - 1)[1] / tTot;
            thresholds[i] = kept.get(i - 1)[2];
        }
        return new RocCurve(fpr, tpr, thresholds, trapz(tpr, fpr));
    }

    /**
     * The curve of non-member scores against member scores with the members as the positive class (label 1) and the
     * scores as given.
     */
    public static RocCurve curve(double[] negative, double[] positive) {
        boolean[] label = new boolean[negative.length + positive.length];
        double[] score = new double[label.length];
        System.arraycopy(negative, 0, score, 0, negative.length);
        System.arraycopy(positive, 0, score, negative.length, positive.length);
        for (int i = negative.length; i < label.length; i++) {
            label[i] = true;
        }
        return curve(label, score);
    }

    /** Convenience: labels as 0/1 integers. */
    public static double score(int[] labels, double[] score) {
        boolean[] positive = new boolean[labels.length];
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] != 0 && labels[i] != 1) {
                throw new IllegalArgumentException("roc_auc_score: labels[" + i + "] = " + labels[i]
                        + "; labels must be 0 or 1");
            }
            positive[i] = labels[i] == 1;
        }
        return score(positive, score);
    }

    /** {@code np.trapz(y, x)}: pairwise sum of dx * (y[i+1] + y[i]) / 2. */
    static double trapz(double[] y, double[] x) {
        double[] terms = new double[x.length - 1];
        for (int i = 0; i < terms.length; i++) {
            terms[i] = (x[i + 1] - x[i]) * (y[i + 1] + y[i]) / 2.0;
        }
        return NumpyMath.sum(terms);
    }
}
