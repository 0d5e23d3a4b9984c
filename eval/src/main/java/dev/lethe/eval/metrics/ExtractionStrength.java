package dev.lethe.eval.metrics;

/**
 * Extraction strength (Carlini et al. 2021 style; open-unlearning {@code memorization.py::extraction_strength}):
 * {@code 1 - k/|y|} where {@code k} is the smallest prefix length after which the teacher-forced argmax predictions equal
 * the rest of the answer. As in OU's loop, when no suffix matches (not even the last token) {@code k} stays at
 * {@code |y| - 1}, giving {@code 1/|y|}.
 */
public final class ExtractionStrength {

    private ExtractionStrength() {
    }

    /** ES for one answer; throws for empty or mismatched arrays. */
    public static double score(int[] labels, int[] predicted) {
        Checks.sameNonEmpty(labels, predicted, "extraction strength");
        int n = labels.length;
        int k = 0;
        for (; k < n; k++) {
            if (suffixEqual(labels, predicted, k)) {
                break;
            }
        }
        if (k == n) {
            k = n - 1; // Python's for-loop variable keeps its last value
        }
        return 1 - k / (double) n;
    }

    private static boolean suffixEqual(int[] a, int[] b, int from) {
        for (int i = from; i < a.length; i++) {
            if (a[i] != b[i]) {
                return false;
            }
        }
        return true;
    }
}
