package dev.lethe.eval.metrics;

/**
 * SemEval-2025 Task 4 membership-inference score (official evaluation script; arXiv 2504.02883):
 * {@code 1 - 2|AUC - 0.5|}, where AUC separates members (label 1) from non-members with score {@code -nll}. It is 1 when
 * members and non-members are indistinguishable and 0 when perfectly separable in either direction.
 */
public final class SemEvalMiaScore {

    private SemEvalMiaScore() {
    }

    /** From an AUC in [0, 1]. */
    public static double fromAuc(double auc) {
        return 1 - 2 * Math.abs(auc - 0.5);
    }

    /** From per-document mean NLLs of members and non-members (AUC with members = 1, score = -nll). */
    public static double fromNll(double[] memberNll, double[] nonMemberNll) {
        int n = memberNll.length + nonMemberNll.length;
        boolean[] labels = new boolean[n];
        double[] scores = new double[n];
        for (int i = 0; i < memberNll.length; i++) {
            labels[i] = true;
            scores[i] = -memberNll[i];
        }
        for (int i = 0; i < nonMemberNll.length; i++) {
            scores[memberNll.length + i] = -nonMemberNll[i];
        }
        return fromAuc(RocAuc.score(labels, scores));
    }
}
