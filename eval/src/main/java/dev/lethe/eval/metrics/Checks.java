package dev.lethe.eval.metrics;

/** Argument checks shared by the metric functions; messages name the metric and the fix. */
final class Checks {

    private Checks() {
    }

    static void sameNonEmpty(int[] labels, int[] predicted, String metric) {
        if (labels == null || predicted == null || labels.length == 0) {
            throw new IllegalArgumentException(metric + ": needs at least one answer token (labels were empty or null)");
        }
        if (labels.length != predicted.length) {
            throw new IllegalArgumentException(metric + ": " + labels.length + " labels but " + predicted.length
                    + " predictions; pass the argmax of the same (shifted) answer positions");
        }
    }

    static void nonEmptyFinite(double[] v, String metric, String what) {
        if (v == null || v.length == 0) {
            throw new IllegalArgumentException(metric + ": " + what + " is empty; pass at least one token");
        }
        for (int i = 0; i < v.length; i++) {
            if (Double.isNaN(v[i])) {
                throw new IllegalArgumentException(metric + ": " + what + "[" + i + "] is NaN");
            }
        }
    }
}
