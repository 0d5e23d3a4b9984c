package dev.lethe.eval.muse;

import dev.lethe.eval.Progress;
import dev.lethe.eval.metrics.LowercaseScore;
import dev.lethe.eval.metrics.Rouge;
import dev.lethe.eval.text.DocumentScorer;
import dev.lethe.eval.text.GradNormScorer;
import dev.lethe.eval.tofu.TofuRunner;
import dev.lethe.eval.tofu.TofuSettings;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs MUSE's model-side metrics (arXiv 2407.06460, criteria C1-C4; MUSE {@code eval.py} and {@code metrics/*.py},
 * algorithms.md 11.2-11.3) on any texts and QA pairs:
 * <ul>
 *   <li>VerbMem: greedy continuation ({@code max_new_tokens} 128) of each prompt encoded with the tokenizer's special
 *       tokens, ROUGE-L F1 against the true continuation cut to 128 tokens ({@link VerbMemItems});</li>
 *   <li>KnowMem: greedy answer (32 new tokens) to the few-shot prompt of {@link KnowMemPrompt}, cut at its stop
 *       strings, ROUGE-L F1 against the gold answer;</li>
 *   <li>PrivLeak: LOSS, zlib, Min-k% and Min-k%++ scores of every forget and holdout text (the whole text encoded with
 *       special tokens, tokens 2..n scored), their AUCs and PrivLeak against a reference AUC
 *       ({@link PrivLeakResult}).</li>
 * </ul>
 * ROUGE uses {@code rouge_score}'s tokenizer without stemming (MUSE) or with it (open-unlearning). Generation runs in
 * left-padded batches with the KV cache ({@link TofuRunner#generate}); a prompt that would overflow the context keeps
 * its end. Holds no state between calls.
 */
public final class MuseRunner {

    private final CausalLM model;
    private final Tokenizer tokenizer;
    private final MuseSettings settings;
    private final Progress progress;
    private final Rouge rouge;

    public MuseRunner(CausalLM model, Tokenizer tokenizer, MuseSettings settings, Progress progress) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.settings = settings;
        this.progress = progress == null ? Progress.NONE : progress;
        this.rouge = new Rouge(settings.useStemmer());
    }

    public MuseSettings settings() {
        return settings;
    }

    /**
     * Every metric whose inputs are in {@code data}.
     *
     * @param reference the PrivLeak reference AUC (null: {@link PrivLeakResult.Reference#chance()})
     */
    public MuseResult run(MuseData data, PrivLeakResult.Reference reference) {
        List<MuseData.Continuation> vm = data.verbmem();
        if (vm == null && data.forgetTexts() != null) {
            vm = VerbMemItems.split(tokenizer, data.forgetTexts(), settings.verbmemPromptTokens(), "forget text");
        }
        MuseResult.Generations verb = vm == null ? null : verbmem(vm);
        MuseResult.Generations kf = data.forgetQa() == null ? null
                : knowmem("knowmem_forget", data.forgetQa(), data.forgetIcl());
        MuseResult.Generations kr = data.retainQa() == null ? null
                : knowmem("knowmem_retain", data.retainQa(), data.retainIcl());
        PrivLeakResult leak = null;
        if (data.hasPrivLeak()) {
            leak = PrivLeakResult.of(miaScores(data.forgetTexts(), "privleak: forget texts"),
                    miaScores(data.holdoutTexts(), "privleak: holdout texts"), settings.privleakAttack(),
                    settings.convention(), reference == null ? PrivLeakResult.Reference.chance() : reference);
        }
        return new MuseResult(verb, kf, kr, leak);
    }

    /** VerbMem: ROUGE-L of the greedy continuation of each prompt against its cut true continuation. */
    public MuseResult.Generations verbmem(List<MuseData.Continuation> items) {
        List<int[]> prompts = new ArrayList<>(items.size());
        for (MuseData.Continuation c : items) {
            prompts.add(tokenizer.encode(c.prompt(), true));
        }
        List<String> gens = generate(prompts, settings.verbmemMaxNewTokens(), List.of(), "verbmem: generation");
        List<MuseResult.Item> out = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            MuseData.Continuation c = items.get(i);
            String ref = VerbMemItems.reference(tokenizer, c.continuation(), settings.verbmemMaxNewTokens());
            out.add(item(c.prompt(), ref, gens.get(i)));
        }
        return MuseResult.Generations.of("verbmem", out);
    }

    /** KnowMem: ROUGE-L of the cut greedy answer of each question (after the few-shot block) against the answer. */
    public MuseResult.Generations knowmem(String name, List<MuseData.QaPair> qa, List<MuseData.QaPair> icl) {
        List<int[]> prompts = new ArrayList<>(qa.size());
        for (MuseData.QaPair p : qa) {
            prompts.add(tokenizer.encode(KnowMemPrompt.prompt(icl, p.question()), true));
        }
        List<String> gens = generate(prompts, settings.knowmemMaxNewTokens(), KnowMemPrompt.STOPS,
                name + ": generation");
        List<MuseResult.Item> out = new ArrayList<>(qa.size());
        for (int i = 0; i < qa.size(); i++) {
            out.add(item(qa.get(i).question(), qa.get(i).answer(), KnowMemPrompt.cut(gens.get(i))));
        }
        return MuseResult.Generations.of(name, out);
    }

    /**
     * The membership scores of each text: the four of {@link MiaScores#of}, the lowercase attack (the same text
     * lower-cased, scored again) and the L2 gradient-norm attack (tokens 2..n, as the others).
     */
    public MiaScores miaScores(List<String> texts, String stage) {
        List<int[]> docs = encode(texts);
        DocumentScorer scorer = new DocumentScorer(model, settings.batchSize(), settings.maxLength());
        List<DocumentScorer.Scored> scored = scorer.score(docs, true, progress, stage);
        MiaScores s = MiaScores.of(texts, scored, settings.minK());
        List<DocumentScorer.Scored> lower = scorer.score(encode(texts.stream().map(LowercaseScore::lower).toList()),
                false, progress, stage + ", lowercase");
        double[] lowercase = new double[texts.size()];
        List<int[]> firsts = new ArrayList<>(docs.size());
        List<int[]> rests = new ArrayList<>(docs.size());
        for (int i = 0; i < lowercase.length; i++) {
            lowercase[i] = LowercaseScore.score(scored.get(i).meanNll(), lower.get(i).meanNll());
            int[] d = docs.get(i);
            firsts.add(Arrays.copyOf(d, 1));
            rests.add(Arrays.copyOfRange(d, 1, d.length));
        }
        double[] grad = new GradNormScorer(model, settings.maxLength()).score(firsts, rests, -1, 2, progress,
                stage + ", gradient norms");
        return s.with(MiaAttack.LOWERCASE, lowercase).with(MiaAttack.GRAD_NORM, grad);
    }

    private List<int[]> encode(List<String> texts) {
        List<int[]> docs = new ArrayList<>(texts.size());
        for (String t : texts) {
            docs.add(tokenizer.encode(t, true));
        }
        return docs;
    }

    /**
     * This model's AUC of the PrivLeak attack on forget vs holdout texts, in the settings' convention: the reference
     * when this is the retrained (retain) model (MUSE's {@code AUC_RETRAIN}).
     */
    public PrivLeakResult.Reference reference(List<String> forget, List<String> holdout, String source) {
        MiaAttack a = settings.privleakAttack();
        PrivLeakResult.AttackResult r = PrivLeakResult.attack(miaScores(forget, "reference: forget texts").get(a),
                miaScores(holdout, "reference: holdout texts").get(a), settings.convention());
        double auc = settings.convention() == PrivLeakConvention.MUSE ? r.aucMuse() : r.aucOpenUnlearning();
        return new PrivLeakResult.Reference(auc, source);
    }

    private MuseResult.Item item(String prompt, String reference, String generation) {
        Rouge.Score s = rouge.rougeL(reference, generation);
        return new MuseResult.Item(prompt, reference, generation, s.fmeasure(), s.recall());
    }

    private List<String> generate(List<int[]> prompts, int maxNew, List<String> stops, String stage) {
        TofuSettings s = TofuSettings.defaults().withBatchSize(settings.batchSize()).withMaxNewTokens(maxNew)
                .withMaxLength(settings.maxLength()).withStopStrings(stops.toArray(String[]::new));
        return new TofuRunner(model, tokenizer, s, progress).generate(prompts, stage);
    }
}
