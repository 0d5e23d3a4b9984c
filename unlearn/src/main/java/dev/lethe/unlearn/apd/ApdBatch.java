package dev.lethe.unlearn.apd;

import dev.lethe.engine.Tensor;

/**
 * One batch of APD training data (constants): for P positions and the largest model's top-k tokens there, N = P k
 * probability curves over the family (renormalised over the top-k, reversed p -> 1 - p where the largest model gives
 * more than the smallest, so all decay), the LLM's (largest model's) and the smallest model's logits at those tokens,
 * and the log sizes s = ln(params / params of the smallest).
 *
 * @param curves       [N, models] observed (possibly reversed) probabilities, smallest model first
 * @param reversed     [N, 1] 1 where the curve was reversed, else 0
 * @param oneMinusTwoR [N, 1] 1 - 2 reversed
 * @param llmTopk      [P, k] logits of the largest model at its top-k tokens
 * @param smallestTopk [P, k] logits of the smallest model at the same tokens
 * @param sizes        [1, models] log sizes
 * @param topkIds      [P k] the token ids, row-major (for gathering ALM's logits)
 */
public record ApdBatch(Tensor curves, Tensor reversed, Tensor oneMinusTwoR, Tensor llmTopk, Tensor smallestTopk,
                       Tensor sizes, int[] topkIds) {

    /** Number of models in the family. */
    public int models() {
        return (int) curves.size(1);
    }
}
