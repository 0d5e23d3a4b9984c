package dev.lethe.transformer.generate;

import java.util.ArrayList;
import java.util.List;

/**
 * How {@link Generator} decodes: how many tokens at most, greedy or sampled (temperature, top-k, top-p, seed), when a
 * row stops (EOS ids, stop strings), the padding id of left-padded batches, extra {@link LogitsProcessor}s and whether
 * to keep every step's raw logits. Build one with {@link #greedy(int)} or {@link #sampling(int, double, int, double,
 * long)} and refine it with the {@code with...} methods; instances are immutable.
 *
 * @param maxNewTokens most tokens generated per row (&gt;= 0)
 * @param sample       false: argmax; true: draw from the processed distribution
 * @param temperature  sampling temperature (&gt; 0; 1 = unchanged), ignored when greedy
 * @param topK         keep the k most likely tokens (0 = off), ignored when greedy
 * @param topP         nucleus mass in (0, 1] (1 = off), ignored when greedy
 * @param seed         seed of the sampler ({@link java.util.SplittableRandom})
 * @param eosIds       ids that end a row (kept in its ids, left out of its text); null = the model's config and
 *                     tokenizer EOS ids, empty = never stop on a token
 * @param stopStrings  strings that end a row once its decoded continuation contains one; the text is cut before it
 * @param padId        id fed for padding and for finished rows; null = config pad, tokenizer pad, first EOS, or 0
 * @param processors   processors applied, in order, to each step's logits before temperature/top-k/top-p
 * @param keepLogits   whether {@link Generation#logits()} holds each step's raw logits
 */
public record GenerationConfig(int maxNewTokens, boolean sample, double temperature, int topK, double topP, long seed,
                               List<Integer> eosIds, List<String> stopStrings, Integer padId,
                               List<LogitsProcessor> processors, boolean keepLogits) {

    public GenerationConfig {
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("maxNewTokens must be >= 0, got " + maxNewTokens);
        }
        if (sample) {
            new Temperature(temperature); // validates
            if (topK < 0) {
                throw new IllegalArgumentException("top-k must be >= 0 (0 = off), got " + topK);
            }
            new TopP(topP);
        }
        eosIds = eosIds == null ? null : List.copyOf(eosIds);
        stopStrings = List.copyOf(stopStrings);
        for (String s : stopStrings) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("a stop string must not be empty");
            }
        }
        processors = List.copyOf(processors);
    }

    /** Greedy decoding (argmax) of at most {@code maxNewTokens} tokens, stopping on the model's EOS ids. */
    public static GenerationConfig greedy(int maxNewTokens) {
        return new GenerationConfig(maxNewTokens, false, 1.0, 0, 1.0, 0L, null, List.of(), null, List.of(), false);
    }

    /** Sampling with temperature, top-k (0 = off) and top-p (1 = off), reproducible for a given seed. */
    public static GenerationConfig sampling(int maxNewTokens, double temperature, int topK, double topP, long seed) {
        return new GenerationConfig(maxNewTokens, true, temperature, topK, topP, seed, null, List.of(), null, List.of(),
                false);
    }

    /** The same settings with these EOS ids (none: never stop on a token). */
    public GenerationConfig withEosIds(int... ids) {
        List<Integer> l = new ArrayList<>();
        for (int id : ids) {
            l.add(id);
        }
        return new GenerationConfig(maxNewTokens, sample, temperature, topK, topP, seed, l, stopStrings, padId,
                processors, keepLogits);
    }

    /** The same settings with these stop strings. */
    public GenerationConfig withStopStrings(String... stops) {
        return new GenerationConfig(maxNewTokens, sample, temperature, topK, topP, seed, eosIds, List.of(stops), padId,
                processors, keepLogits);
    }

    /** The same settings with this padding id. */
    public GenerationConfig withPadId(int id) {
        return new GenerationConfig(maxNewTokens, sample, temperature, topK, topP, seed, eosIds, stopStrings, id,
                processors, keepLogits);
    }

    /** The same settings with these processors (run before the sampling warpers). */
    public GenerationConfig withProcessors(LogitsProcessor... chain) {
        return new GenerationConfig(maxNewTokens, sample, temperature, topK, topP, seed, eosIds, stopStrings, padId,
                List.of(chain), keepLogits);
    }

    /** The same settings, keeping (or not) every step's raw logits. */
    public GenerationConfig withKeepLogits(boolean keep) {
        return new GenerationConfig(maxNewTokens, sample, temperature, topK, topP, seed, eosIds, stopStrings, padId,
                processors, keep);
    }

    /** The whole chain of one step: the extra processors, then (when sampling) temperature, top-k and top-p. */
    public List<LogitsProcessor> chain() {
        List<LogitsProcessor> c = new ArrayList<>(processors);
        if (sample) {
            if (temperature != 1.0) {
                c.add(new Temperature(temperature));
            }
            if (topK > 0) {
                c.add(new TopK(topK));
            }
            if (topP < 1.0) {
                c.add(new TopP(topP));
            }
        }
        return c;
    }
}
