package dev.lethe.eval.tofu;

import dev.lethe.transformer.tokenizer.PromptTemplate;
import java.util.List;

/**
 * How a TOFU evaluation runs.
 *
 * @param prompt        question/answer template (BOS/EOS handling included)
 * @param batchSize     sequences per forward pass for probabilities, and prompts per generation batch
 * @param maxNewTokens  greedy generation length limit (OU: 200); generation also stops at EOS
 * @param maxLength     longest scored sequence (clamped to the model's context length)
 * @param stopStrings   extra strings that end a generation (none by default)
 * @param limit         items per set at most (0 = all), applied when reading the files
 * @param minK          fraction k of the Min-k% membership score (MUSE/OU privleak: 0.4)
 */
public record TofuSettings(PromptTemplate prompt, int batchSize, int maxNewTokens, int maxLength, List<String> stopStrings,
                           int limit, double minK) implements java.io.Serializable {

    public TofuSettings {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("max new tokens must be >= 1, got " + maxNewTokens);
        }
        stopStrings = List.copyOf(stopStrings);
    }

    /** PLAIN template, batch 8, 200 new tokens, 512 tokens per sequence, all items, k = 0.4. */
    public static TofuSettings defaults() {
        return new TofuSettings(PromptTemplate.PLAIN, 8, 200, 512, List.of(), 0, 0.4);
    }

    public TofuSettings withPrompt(PromptTemplate p) {
        return new TofuSettings(p, batchSize, maxNewTokens, maxLength, stopStrings, limit, minK);
    }

    public TofuSettings withBatchSize(int b) {
        return new TofuSettings(prompt, b, maxNewTokens, maxLength, stopStrings, limit, minK);
    }

    public TofuSettings withMaxNewTokens(int n) {
        return new TofuSettings(prompt, batchSize, n, maxLength, stopStrings, limit, minK);
    }

    public TofuSettings withMaxLength(int n) {
        return new TofuSettings(prompt, batchSize, maxNewTokens, n, stopStrings, limit, minK);
    }

    public TofuSettings withLimit(int n) {
        return new TofuSettings(prompt, batchSize, maxNewTokens, maxLength, stopStrings, n, minK);
    }

    public TofuSettings withStopStrings(String... s) {
        return new TofuSettings(prompt, batchSize, maxNewTokens, maxLength, List.of(s), limit, minK);
    }
}
