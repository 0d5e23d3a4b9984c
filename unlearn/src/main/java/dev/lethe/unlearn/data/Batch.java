package dev.lethe.unlearn.data;

import dev.lethe.transformer.model.TokenBatch;
import java.util.List;

/**
 * A right-padded batch [B, T]: ids (pad id on padding), attention mask, and labels in Hugging Face's convention
 * (a copy of ids with -100 on prompt tokens and padding; the loss shifts them: position t predicts t + 1).
 */
public record Batch(int[] ids, int[] mask, int[] labels, int batch, int length) {
    public static final int IGNORE = -100;

    /** Pads examples on the right with {@code padId}. */
    public static Batch collate(List<Example> examples, int padId) {
        int b = examples.size();
        if (b == 0) {
            throw new IllegalArgumentException("cannot collate an empty batch");
        }
        int t = 0;
        for (Example e : examples) {
            t = Math.max(t, e.length());
        }
        int[] ids = new int[b * t];
        int[] mask = new int[b * t];
        int[] labels = new int[b * t];
        java.util.Arrays.fill(ids, padId);
        java.util.Arrays.fill(labels, IGNORE);
        for (int i = 0; i < b; i++) {
            Example e = examples.get(i);
            int k = i * t;
            for (int id : e.prompt()) {
                ids[k] = id;
                mask[k++] = 1;
            }
            for (int a = 0; a < e.answer().length; a++) {
                int id = e.answer()[a];
                ids[k] = id;
                mask[k] = 1;
                labels[k++] = e.answerScored() == null || e.answerScored()[a] ? id : IGNORE;
            }
        }
        return new Batch(ids, mask, labels, b, t);
    }

    public TokenBatch tokens() {
        return new TokenBatch(ids, batch, length, mask, null);
    }

    /** Number of scored tokens (labels != -100 at positions 1..T-1, as the shifted loss sees them). */
    public int scoredTokens() {
        int n = 0;
        for (int i = 0; i < batch; i++) {
            for (int j = 1; j < length; j++) {
                if (labels[i * length + j] != IGNORE) {
                    n++;
                }
            }
        }
        return n;
    }
}
