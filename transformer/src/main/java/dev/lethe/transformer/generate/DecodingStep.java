package dev.lethe.transformer.generate;

import dev.lethe.transformer.model.TokenBatch;

/**
 * What a {@link LogitsProcessor} may know about the decoding step it scores: the step index (0 = the token after the
 * prompt), every row's tokens so far without padding (prompt followed by the tokens generated before this step), the
 * batch the model was just run on (left-padded prompt at step 0, one token per row afterwards, with its mask and
 * positions, so a processor that runs a second model with its own cache can feed it the same input) and which rows
 * have already finished (their logits are computed but ignored), and how many positions the generator's KV cache holds
 * (longest prompt + maxNewTokens), so a processor that runs a second model can size that model's cache the same.
 *
 * @param step     index of the token being chosen, from 0
 * @param tokens   per row: prompt ids then generated ids so far (fresh arrays, safe to keep)
 * @param input    the model input of this step
 * @param finished per row: whether it stopped before this step
 * @param cacheCapacity positions of the generator's KV cache: the padded prompt length plus maxNewTokens
 */
public record DecodingStep(int step, int[][] tokens, TokenBatch input, boolean[] finished, int cacheCapacity) {
}
