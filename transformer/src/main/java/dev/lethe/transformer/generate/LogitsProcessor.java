package dev.lethe.transformer.generate;

/**
 * One stage of the chain that turns a decoding step's raw next-token logits into the scores tokens are picked from,
 * as Hugging Face's {@code LogitsProcessor}: it rewrites {@code logits} [B][V] in place (a row per sequence of the
 * batch, finished rows included) and may read the step's context (the tokens so far, the model input of this step).
 * Masking a token means setting its logit to {@link Double#NEGATIVE_INFINITY}. {@link Temperature}, {@link TopK} and
 * {@link TopP} are processors; {@link ContrastiveDecoding} and {@link AsymptoticProbabilityDecoding} implement the same
 * interface and are passed in {@link GenerationConfig#processors()}, which run before the sampling warpers. A processor
 * that keeps state across steps (those two hold a second model's KV cache) serves one generate call: make one per
 * request ({@link Decoding#processors} does).
 */
@FunctionalInterface
public interface LogitsProcessor {

    /** Rewrites {@code logits} (one row of vocabulary-size scores per sequence) in place. */
    void process(DecodingStep step, double[][] logits);
}
