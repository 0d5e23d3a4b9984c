package dev.lethe.unlearn.objective;

import dev.lethe.engine.Tensor;
import java.util.List;

/**
 * What one forward pass of a model on one batch yields, computed once per step and shared by every objective
 * (design.md: per-token log-probabilities are the common currency). {@code tokenLogProbs} is [B, T-1]:
 * log p(ids[t+1] | ids[..t]) where labels[t+1] != -100 and 0 elsewhere; {@code scored} is the matching 0/1 mask and
 * {@code targets} the predicted ids (labels[t+1]); {@code logits} is [B, T, V]; {@code hidden} follows Hugging Face's
 * convention (index 0 = embeddings, index L = last layer after the final norm).
 */
public record ModelScores(Tensor logits, Tensor tokenLogProbs, int[] targets, int[] scored, int scoredCount,
                          List<Tensor> hidden, int batch, int length) {
    /**
     * Per row of {@code logits} (b * T + j), the token it predicts: {@code targets()[b * (T-1) + j]} for j < T-1, and
     * -1 for each sequence's last position, which predicts nothing.
     */
    public int[] targetsByRow() {
        int[] out = new int[batch * length];
        for (int r = 0; r < out.length; r++) {
            int j = r % length;
            out[r] = j == length - 1 ? -1 : targets[r / length * (length - 1) + j];
        }
        return out;
    }

    /**
     * Weights per row of {@code logits} that average over the predictions p = b * (T-1) + j with {@code on[p]}: 1/N
     * on their rows (b * T + j), 0 elsewhere, N the number of them (all 0 when there is none).
     */
    public double[] meanOverRows(boolean[] on) {
        int n = 0;
        for (boolean o : on) {
            n += o ? 1 : 0;
        }
        double[] w = new double[batch * length];
        for (int p = 0; p < on.length; p++) {
            if (on[p]) {
                w[p / (length - 1) * length + p % (length - 1)] = 1.0 / n;
            }
        }
        return w;
    }

    /** Number of scored tokens of sequence b. */
    public int scoredIn(int b) {
        int n = 0;
        for (int j = 0; j < length - 1; j++) {
            n += scored[b * (length - 1) + j];
        }
        return n;
    }
}
