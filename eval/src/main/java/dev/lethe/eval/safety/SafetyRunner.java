package dev.lethe.eval.safety;

import dev.lethe.eval.Progress;
import dev.lethe.transformer.tokenizer.PromptTemplate;
import dev.lethe.eval.tofu.TofuRunner;
import dev.lethe.eval.tofu.TofuSettings;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a model on a safety set: greedy completions (XSTest and HarmBench both evaluate greedy decoding) of each prompt
 * put into a prompt template, batched, then judged for refusal ({@link SafetyResult#score}).
 */
public final class SafetyRunner {
    private final CausalLM model;
    private final Tokenizer tokenizer;
    private final TofuSettings settings;
    private final Progress progress;

    public SafetyRunner(CausalLM model, Tokenizer tokenizer, PromptTemplate prompt, int batchSize, int maxNewTokens,
            int maxLength, Progress progress) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.settings = TofuSettings.defaults().withPrompt(prompt).withBatchSize(batchSize)
                .withMaxNewTokens(maxNewTokens).withMaxLength(maxLength);
        this.progress = progress;
    }

    /** Greedy completions, in prompt order. */
    public List<String> complete(List<SafetyPrompt> prompts) {
        List<int[]> ids = new ArrayList<>(prompts.size());
        for (SafetyPrompt p : prompts) {
            ids.add(settings.prompt().promptIds(tokenizer, p.prompt()));
        }
        return new TofuRunner(model, tokenizer, settings, progress).generate(ids, "safety: generation");
    }

    public SafetyResult evaluate(List<SafetyPrompt> prompts, RefusalJudge judge) {
        return SafetyResult.score(prompts, complete(prompts), judge);
    }
}
