package dev.lethe.eval.tofu;

import dev.lethe.eval.Progress;
import dev.lethe.eval.metrics.LowercaseScore;
import dev.lethe.eval.metrics.MinKProb;
import dev.lethe.eval.metrics.ReferenceScore;
import dev.lethe.eval.metrics.Rouge;
import dev.lethe.eval.text.AnswerScorer;
import dev.lethe.eval.text.GradNormScorer;
import dev.lethe.transformer.generate.Generation;
import dev.lethe.transformer.generate.GenerationConfig;
import dev.lethe.transformer.generate.Generator;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Evaluates a model on TOFU sets exactly as TOFU/open-unlearning do (algorithms.md 10): per item the answer's
 * length-normalised probability, the paraphrased and perturbed answers' mean NLLs (truth ratio), and ROUGE-L recall of
 * a greedy generation against the answer; per set the aggregates; then forget quality against a retain model's forget
 * truth ratios, model utility, and (with a holdout set) the LOSS / Min-k% membership-inference AUCs of forget vs
 * holdout. All answers of a set are scored in right-padded batches sorted by length; generation runs in left-padded
 * batches with the KV cache. Holds no state between calls.
 */
public final class TofuRunner {

    private final CausalLM model;
    private final Tokenizer tokenizer;
    private final TofuSettings settings;
    private final Progress progress;
    private final CausalLM reference;
    private final Rouge rouge = Rouge.withStemmer();

    public TofuRunner(CausalLM model, Tokenizer tokenizer, TofuSettings settings, Progress progress) {
        this(model, tokenizer, settings, progress, null);
    }

    /**
     * @param reference a model that never saw the members (TOFU: the retain model) for the reference-model attack,
     *                  or null (no reference attack)
     */
    public TofuRunner(CausalLM model, Tokenizer tokenizer, TofuSettings settings, Progress progress,
            CausalLM reference) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.settings = settings;
        this.progress = progress == null ? Progress.NONE : progress;
        this.reference = reference;
    }

    public TofuSettings settings() {
        return settings;
    }

    /**
     * Evaluates every set, then aggregates.
     *
     * @param holdout                 non-member QA items for the MIA (null: no MIA); needs a set named "forget"
     * @param retainForgetTruthRatios the retain model's forget truth ratios for forget quality (null: none)
     */
    public TofuResult run(List<TofuSplit> sets, List<TofuItem> holdout, double[] retainForgetTruthRatios) {
        List<TofuSplitResult> results = new ArrayList<>();
        TofuSplit forget = null;
        for (TofuSplit s : sets) {
            results.add(evaluate(s));
            if (s.name().equals("forget")) {
                forget = s;
            }
        }
        MiaResult mia = null;
        if (holdout != null) {
            if (forget == null) {
                throw new IllegalArgumentException("the membership inference needs the forget set (members) besides"
                        + " the holdout set; add a set named 'forget'");
            }
            mia = mia(forget.items(), holdout);
        }
        return TofuResult.aggregate(results, retainForgetTruthRatios, mia);
    }

    /** Per-item results and aggregates of one set. */
    public TofuSplitResult evaluate(TofuSplit split) {
        List<TofuItem> items = split.items();
        int n = items.size();
        List<int[]> prompts = new ArrayList<>();
        List<int[]> answers = new ArrayList<>();
        // request layout per item: answer, [paraphrased], perturbed...
        int[] first = new int[n];
        List<int[]> itemPrompts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            TofuItem it = items.get(i);
            int[] p = settings.prompt().promptIds(tokenizer, it.question());
            itemPrompts.add(p);
            first[i] = answers.size();
            prompts.add(p);
            answers.add(settings.prompt().answerIds(tokenizer, it.answer()));
            if (split.kind() != TofuSplit.Kind.OPTIONS) {
                prompts.add(p);
                answers.add(settings.prompt().answerIds(tokenizer, it.paraphrasedAnswer()));
            }
            for (String wrong : it.perturbedAnswers()) {
                prompts.add(p);
                answers.add(settings.prompt().answerIds(tokenizer, wrong));
            }
        }
        AnswerScorer scorer = new AnswerScorer(model, settings.batchSize(), settings.maxLength());
        List<AnswerScorer.Scored> scored = scorer.score(prompts, answers, progress, split.name() + ": probabilities");
        List<String> gens = generate(itemPrompts, split.name() + ": generation");
        List<TofuItemResult> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            TofuItem it = items.get(i);
            int k = first[i];
            AnswerScorer.Scored ans = scored.get(k++);
            Double para = null;
            if (split.kind() != TofuSplit.Kind.OPTIONS) {
                para = scored.get(k++).avgLoss();
            }
            double[] pert = new double[it.perturbedAnswers().size()];
            for (int j = 0; j < pert.length; j++) {
                pert[j] = scored.get(k++).avgLoss();
            }
            String gen = gens.get(i);
            double r = rouge.rougeL(it.answer(), gen).recall();
            out.add(TofuItemResult.of(split.kind(), it.question(), it.answer(), gen, r, ans.avgLoss(), ans.tokens(),
                    para, pert));
        }
        return TofuSplitResult.of(split.name(), split.kind(), split.file() == null ? null : split.file().toString(),
                out);
    }

    /**
     * Membership inference of the members' vs the non-members' answers (answer tokens, the EOS prediction excluded as
     * in open-unlearning's {@code tokenwise_logprobs}): LOSS and Min-k% scores and their AUCs, plus the gradient-norm
     * (L2) and lowercase attacks, and the reference-model attack when this runner has a reference model.
     */
    public MiaResult mia(List<TofuItem> members, List<TofuItem> nonMembers) {
        double[][] m = miaScores(model, members, false, "mia: members");
        double[][] h = miaScores(model, nonMembers, false, "mia: non-members");
        MiaResult r = MiaResult.of("forget", "holdout", m[0], h[0], m[1], h[1]);
        r = r.withAttack(MiaResult.GRAD_NORM, MiaAttackScores.of(gradNorms(members, "mia: members, gradient norms"),
                gradNorms(nonMembers, "mia: non-members, gradient norms")));
        double[] ml = miaScores(model, members, true, "mia: members, lowercase")[0];
        double[] hl = miaScores(model, nonMembers, true, "mia: non-members, lowercase")[0];
        r = r.withAttack(MiaResult.LOWERCASE, MiaAttackScores.of(lowercase(m[0], ml), lowercase(h[0], hl)));
        if (reference != null) {
            double[] mr = miaScores(reference, members, false, "mia: members, reference model")[0];
            double[] hr = miaScores(reference, nonMembers, false, "mia: non-members, reference model")[0];
            r = r.withAttack(MiaResult.REFERENCE, MiaAttackScores.of(referenceScores(m[0], mr),
                    referenceScores(h[0], hr)));
        }
        return r;
    }

    private static double[] lowercase(double[] loss, double[] lowercaseLoss) {
        double[] out = new double[loss.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = LowercaseScore.score(loss[i], lowercaseLoss[i]);
        }
        return out;
    }

    private static double[] referenceScores(double[] loss, double[] referenceLoss) {
        double[] out = new double[loss.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = ReferenceScore.score(loss[i], referenceLoss[i]);
        }
        return out;
    }

    private double[] gradNorms(List<TofuItem> items, String stage) {
        int eos = settings.prompt().addEos() && tokenizer.eosId().isPresent() ? tokenizer.eosId().getAsInt() : -1;
        return new GradNormScorer(model, settings.maxLength()).score(prompts(items), answers(items, false), eos, 2,
                progress, stage);
    }

    private List<int[]> prompts(List<TofuItem> items) {
        return items.stream().map(it -> settings.prompt().promptIds(tokenizer, it.question())).toList();
    }

    private List<int[]> answers(List<TofuItem> items, boolean lower) {
        return items.stream().map(it -> settings.prompt().answerIds(tokenizer,
                lower ? LowercaseScore.lower(it.answer()) : it.answer())).toList();
    }

    /** {LOSS, Min-k%} per item of {@code m} on the answers (lower-cased answers with {@code lower}). */
    private double[][] miaScores(CausalLM m, List<TofuItem> items, boolean lower, String stage) {
        List<int[]> prompts = prompts(items);
        List<int[]> answers = answers(items, lower);
        AnswerScorer scorer = new AnswerScorer(m, settings.batchSize(), settings.maxLength());
        List<AnswerScorer.Scored> scored = scorer.score(prompts, answers, progress, stage);
        boolean dropEos = settings.prompt().addEos() && tokenizer.eosId().isPresent();
        double[] loss = new double[items.size()];
        double[] minK = new double[items.size()];
        for (int i = 0; i < loss.length; i++) {
            int[] a = answers.get(i);
            double[] lp = scored.get(i).tokenLogProbs();
            // drop the EOS prediction when it survived truncation and is not the only token
            if (dropEos && lp.length > 1 && lp.length == a.length) {
                lp = Arrays.copyOf(lp, lp.length - 1);
            }
            double s = 0;
            for (double x : lp) {
                s -= x;
            }
            loss[i] = s / lp.length;
            minK[i] = MinKProb.score(lp, settings.minK());
        }
        return new double[][] {loss, minK};
    }

    /** Greedy continuations (decoded, stripped) of the prompts, in prompt order. */
    public List<String> generate(List<int[]> prompts, String stage) {
        int n = prompts.size();
        int ctx = model.config().maxPositionEmbeddings();
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> -prompts.get(i).length));
        String[] out = new String[n];
        Generator gen = new Generator(model, tokenizer);
        int b = settings.batchSize();
        for (int start = 0; start < n; start += b) {
            int size = Math.min(b, n - start);
            List<int[]> batch = new ArrayList<>(size);
            int longest = 0;
            for (int k = 0; k < size; k++) {
                batch.add(prompts.get(order[start + k]));
                longest = Math.max(longest, batch.get(k).length);
            }
            int maxNew = settings.maxNewTokens();
            if (ctx > 0 && longest + maxNew > ctx) {
                // keep the prompt's end and leave room for at least a quarter of the context to generate
                int room = Math.max(1, Math.min(maxNew, ctx / 4));
                int keepPrompt = ctx - room;
                for (int k = 0; k < size; k++) {
                    int[] p = batch.get(k);
                    if (p.length > keepPrompt) {
                        batch.set(k, Arrays.copyOfRange(p, p.length - keepPrompt, p.length));
                    }
                }
                longest = Math.min(longest, keepPrompt);
                maxNew = Math.min(maxNew, ctx - longest);
            }
            GenerationConfig cfg = GenerationConfig.greedy(maxNew);
            if (!settings.stopStrings().isEmpty()) {
                cfg = cfg.withStopStrings(settings.stopStrings().toArray(String[]::new));
            }
            List<Generation> g = gen.generate(batch, cfg);
            for (int k = 0; k < size; k++) {
                String text = g.get(k).text();
                out[order[start + k]] = text == null ? "" : text.strip();
            }
            progress.update(stage, start + size, n);
        }
        return List.of(out);
    }
}
