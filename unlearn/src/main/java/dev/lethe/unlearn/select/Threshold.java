package dev.lethe.unlearn.select;

/**
 * Which scored tokens count as critical (Selective Unlearning, arXiv 2506.00876): an explicit threshold
 * {@code s_t > gamma}, or the adaptive per-sample threshold {@code s_t > mean(s) + k * std(s)} over that sample's
 * answer tokens (population standard deviation; k = 0 by default).
 */
public sealed interface Threshold {
    boolean[] select(double[] scores, boolean[] eligible);

    /** s_t > gamma. */
    record Explicit(double gamma) implements Threshold {
        @Override
        public boolean[] select(double[] scores, boolean[] eligible) {
            boolean[] out = new boolean[scores.length];
            for (int i = 0; i < scores.length; i++) {
                out[i] = eligible[i] && scores[i] > gamma;
            }
            return out;
        }
    }

    /** s_t > mean + k * std over the sample's eligible tokens. */
    record Adaptive(double k) implements Threshold {
        @Override
        public boolean[] select(double[] scores, boolean[] eligible) {
            double sum = 0;
            int n = 0;
            for (int i = 0; i < scores.length; i++) {
                if (eligible[i]) {
                    sum += scores[i];
                    n++;
                }
            }
            boolean[] out = new boolean[scores.length];
            if (n == 0) {
                return out;
            }
            double mean = sum / n;
            double var = 0;
            for (int i = 0; i < scores.length; i++) {
                if (eligible[i]) {
                    var += (scores[i] - mean) * (scores[i] - mean);
                }
            }
            double cut = mean + k * Math.sqrt(var / n);
            for (int i = 0; i < scores.length; i++) {
                out[i] = eligible[i] && scores[i] > cut;
            }
            return out;
        }
    }
}
