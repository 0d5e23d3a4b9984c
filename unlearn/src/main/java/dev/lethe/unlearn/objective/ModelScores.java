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
    /** Number of scored tokens of sequence b. */
    public int scoredIn(int b) {
        int n = 0;
        for (int j = 0; j < length - 1; j++) {
            n += scored[b * (length - 1) + j];
        }
        return n;
    }
}
