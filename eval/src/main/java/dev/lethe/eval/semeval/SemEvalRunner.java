package dev.lethe.eval.semeval;

import dev.lethe.eval.Progress;
import dev.lethe.eval.text.AnswerScorer;
import dev.lethe.eval.tofu.TofuRunner;
import dev.lethe.eval.tofu.TofuSettings;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The model side of SemEval-2025 Task 4 (official {@code inference} and {@code mia_attacks}; algorithms.md 9.3): greedy
 * completions of every item's {@code input} (tokenised with the tokenizer's special tokens, no chat template, up to
 * {@code maxNewTokens} = 256 new tokens by default, decoded without special tokens) and the mean token NLL of whole
 * MIA documents (labels = inputs, no masking). The results go to {@link SemEvalScorer}.
 */
public final class SemEvalRunner {

    /**
     * What the model produces for the scorer: id to generation (forget items, then retain items) and the MIA NLLs
     * (null without MIA documents).
     */
    public record Outputs(Map<String, String> generations, SemEvalScorer.MiaNlls mia) {
    }

    /** The official default generation length. */
    public static final int MAX_NEW_TOKENS = 256;

    /** Progress stage names of {@link #run}. */
    public static final String FORGET_STAGE = "forget: generation";
    public static final String RETAIN_STAGE = "retain: generation";
    public static final String MEMBERS_STAGE = "mia: members";
    public static final String NON_MEMBERS_STAGE = "mia: non-members";

    private final CausalLM model;
    private final Tokenizer tokenizer;
    private final int batchSize;
    private final int maxNewTokens;
    private final int maxLength;
    private final Progress progress;

    public SemEvalRunner(CausalLM model, Tokenizer tokenizer, int batchSize, int maxNewTokens, int maxLength,
                         Progress progress) {
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("max new tokens must be >= 1, got " + maxNewTokens);
        }
        this.model = model;
        this.tokenizer = tokenizer;
        this.batchSize = batchSize;
        this.maxNewTokens = maxNewTokens;
        this.maxLength = maxLength;
        this.progress = progress;
    }

    /**
     * Generations of the forget and the retain items and, when {@code members} is not null, the MIA NLLs of the
     * member and non-member documents.
     */
    public Outputs run(List<LumeItem> forget, List<LumeItem> retain, List<String> members, List<String> nonMembers) {
        Map<String, String> gens = new LinkedHashMap<>(generate(forget, FORGET_STAGE));
        gens.putAll(generate(retain, RETAIN_STAGE));
        return new Outputs(gens, members == null ? null
                : new SemEvalScorer.MiaNlls(documentNll(members, MEMBERS_STAGE), documentNll(nonMembers,
                NON_MEMBERS_STAGE)));
    }

    /** id to greedy generation for every item (in item order). */
    public Map<String, String> generate(List<LumeItem> items, String stage) {
        List<int[]> prompts = new ArrayList<>(items.size());
        for (LumeItem it : items) {
            prompts.add(tokenizer.encode(it.input(), true));
        }
        TofuSettings s = TofuSettings.defaults().withBatchSize(batchSize).withMaxNewTokens(maxNewTokens)
                .withMaxLength(maxLength);
        List<String> gens = new TofuRunner(model, tokenizer, s, progress).generate(prompts, stage);
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < items.size(); i++) {
            out.put(items.get(i).id(), gens.get(i));
        }
        return out;
    }

    /** Mean NLL over tokens 2..n of each document (HF loss with labels = input ids), tokenised with special tokens. */
    public double[] documentNll(List<String> documents, String stage) {
        List<int[]> prompts = new ArrayList<>();
        List<int[]> rest = new ArrayList<>();
        for (int i = 0; i < documents.size(); i++) {
            int[] ids = tokenizer.encode(documents.get(i), true);
            if (ids.length < 2) {
                throw new IllegalArgumentException("MIA document " + i + " encodes to " + ids.length
                        + " token(s); a loss needs at least 2");
            }
            prompts.add(new int[] {ids[0]});
            rest.add(Arrays.copyOfRange(ids, 1, ids.length));
        }
        List<AnswerScorer.Scored> sc = new AnswerScorer(model, batchSize, maxLength).score(prompts, rest, progress,
                stage);
        return sc.stream().mapToDouble(AnswerScorer.Scored::avgLoss).toArray();
    }
}
