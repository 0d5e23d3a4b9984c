package dev.lethe.serve.infer;

import dev.lethe.transformer.generate.Sampling;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Log-probabilities of one generated token under the model's raw next-token logits (before any decoding processor or
 * sampling warper, as OpenAI reports them): log softmax(raw)[chosen] and the {@code k} most likely tokens with theirs,
 * most likely first (ties by lower id), computed in double with the maximum subtracted ({@link Sampling#logSoftmax}).
 *
 * @param logprob     log-probability of the chosen token
 * @param topIds      the k most likely token ids
 * @param topLogprobs their log-probabilities
 */
public record TokenLogprobs(double logprob, int[] topIds, double[] topLogprobs) {

    /** The chosen token's log-probability and the top {@code k} (0 = none) of {@code raw}. */
    public static TokenLogprobs of(double[] raw, int chosen, int k) {
        double[] logp = Sampling.logSoftmax(raw);
        int[] top = k <= 0 ? new int[0] : IntStream.range(0, raw.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -raw[i]).thenComparingInt(i -> i))
                .limit(Math.min(k, raw.length)).mapToInt(Integer::intValue).toArray();
        double[] lp = Arrays.stream(top).mapToDouble(i -> logp[i]).toArray();
        return new TokenLogprobs(logp[chosen], top, lp);
    }
}
