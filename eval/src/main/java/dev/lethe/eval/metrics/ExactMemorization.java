package dev.lethe.eval.metrics;

/**
 * Exact memorisation (Tirumala et al. 2022; open-unlearning {@code memorization.py::exact_memorization}): the fraction of
 * answer tokens equal to the teacher-forced argmax prediction at their position. Inputs are the label ids of the answer
 * tokens and the argmax ids predicted for those same positions (already shifted).
 */
public final class ExactMemorization {

    private ExactMemorization() {
    }

    /** Fraction of positions where {@code predicted[i] == labels[i]}; throws for empty or mismatched arrays. */
    public static double score(int[] labels, int[] predicted) {
        Checks.sameNonEmpty(labels, predicted, "exact memorization");
        int hits = 0;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] == predicted[i]) {
                hits++;
            }
        }
        return hits / (double) labels.length;
    }
}
