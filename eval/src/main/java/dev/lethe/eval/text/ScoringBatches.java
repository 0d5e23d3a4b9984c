package dev.lethe.eval.text;

import dev.lethe.transformer.model.CausalLM;
import java.util.Arrays;
import java.util.Comparator;
import java.util.function.IntUnaryOperator;

/**
 * The batching that {@link AnswerScorer} and {@link DocumentScorer} share: a batch size of at least one, a length cap
 * clamped to the model's context (and at least 2, one context token and one scored token), and requests taken longest
 * first so that a right-padded batch wastes little padding.
 */
record ScoringBatches(int batchSize, int maxLength) {

    static ScoringBatches of(CausalLM model, int batchSize, int maxLength) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        int ctx = model.config().maxPositionEmbeddings();
        return new ScoringBatches(batchSize, Math.max(2, ctx > 0 ? Math.min(maxLength, ctx) : maxLength));
    }

    /** Indices 0..n-1 ordered by decreasing {@code length}. */
    static Integer[] longestFirst(int n, IntUnaryOperator length) {
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> -length.applyAsInt(i)));
        return order;
    }
}
