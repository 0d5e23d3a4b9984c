package dev.lethe.eval.tofu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.Tape;
import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.eval.Progress;
import dev.lethe.eval.metrics.LowercaseScore;
import dev.lethe.eval.metrics.Rouge;
import dev.lethe.eval.text.AnswerScorer;
import dev.lethe.eval.text.GradNormScorer;
import dev.lethe.transformer.check.ReferenceCheck;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.model.TokenBatch;
import dev.lethe.transformer.tokenizer.PromptTemplate;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The runner on the random tiny Llama of ../shared/fixtures/hf/llama, checked against an independent computation:
 * each sequence run alone (no padding, no batching), log-softmax written out by hand in double precision, greedy
 * decoding by {@link ReferenceCheck#greedy} (full recompute, not the Generator), and the TOFU formulas re-derived.
 */
class TofuRunnerTest {

    static CausalLM model;
    static Tokenizer tok;
    static final int NEW = 6;

    @BeforeAll
    static void load() throws Exception {
        Path dir = SharedFiles.path("fixtures/hf/llama");
        model = CausalLM.load(dir);
        tok = Tokenizers.load(dir);
    }

    /** Mean NLL of the answer given the prompt, by hand: one unpadded forward and an explicit log-softmax. */
    static double handLoss(String question, String answer) {
        int[] p = PromptTemplate.PLAIN.promptIds(tok, question);
        int[] a = PromptTemplate.PLAIN.answerIds(tok, answer);
        assertThat(p[0]).as("BOS first").isEqualTo(tok.bosId().getAsInt());
        assertThat(a[a.length - 1]).as("EOS last").isEqualTo(tok.eosId().getAsInt());
        int[] seq = new int[p.length + a.length];
        System.arraycopy(p, 0, seq, 0, p.length);
        System.arraycopy(a, 0, seq, p.length, a.length);
        assertThat(seq.length).as("fits the 128-token context, so no truncation").isLessThanOrEqualTo(128);
        try (Tape tape = Tape.inference()) {
            INDArray logits = model.forward(tape, TokenBatch.of(seq)).logits().value();
            double nll = 0;
            int v = (int) logits.size(2);
            for (int t = p.length - 1; t < seq.length - 1; t++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < v; j++) {
                    max = Math.max(max, logits.getDouble(0, t, j));
                }
                double z = 0;
                for (int j = 0; j < v; j++) {
                    z += Math.exp(logits.getDouble(0, t, j) - max);
                }
                nll -= logits.getDouble(0, t, seq[t + 1]) - max - Math.log(z);
            }
            return nll / a.length;
        }
    }

    static String handGeneration(String question) {
        int[] p = PromptTemplate.PLAIN.promptIds(tok, question);
        int[] g = ReferenceCheck.greedy(model, p, NEW, new BufferPool());
        int end = 0;
        while (end < g.length && g[end] != tok.eosId().getAsInt()) {
            end++;
        }
        return tok.decode(Arrays.copyOf(g, end), true).strip();
    }

    static List<TofuItem> items(String file, int n) throws Exception {
        List<TofuItem> all = TofuItem.read(SharedFiles.path("data/tofu/" + file), 0);
        List<TofuItem> out = new ArrayList<>();
        for (TofuItem it : all) {
            // items whose every sequence fits the fixture's 128 positions untruncated
            int tokens = PromptTemplate.PLAIN.promptIds(tok, it.question()).length
                    + PromptTemplate.PLAIN.answerIds(tok, longestText(it)).length;
            if (tokens <= 128 && out.size() < n) {
                out.add(it);
            }
        }
        assertThat(out).hasSize(n);
        return out;
    }

    static String longestText(TofuItem it) {
        String best = it.answer();
        List<String> all = new ArrayList<>(it.perturbedAnswers());
        if (it.paraphrasedAnswer() != null) {
            all.add(it.paraphrasedAnswer());
        }
        for (String s : all) {
            if (PromptTemplate.PLAIN.answerIds(tok, s).length > PromptTemplate.PLAIN.answerIds(tok, best).length) {
                best = s;
            }
        }
        return best;
    }

    @Test
    void perItemValuesEqualAnIndependentComputation() throws Exception {
        TofuSplit forget = new TofuSplit("forget", TofuSplit.Kind.FORGET, null, items("forget01_perturbed.json", 2));
        TofuSplit ra = new TofuSplit("real_authors", TofuSplit.Kind.OPTIONS, null,
                items("real_authors_perturbed.json", 2));
        List<String> stages = new ArrayList<>();
        TofuRunner runner = new TofuRunner(model, tok, TofuSettings.defaults().withBatchSize(4).withMaxNewTokens(NEW),
                (stage, done, total) -> stages.add(stage + " " + done + "/" + total));
        TofuResult r = runner.run(List.of(forget, ra), null, null);
        Rouge rouge = Rouge.withStemmer();

        TofuSplitResult f = r.split("forget");
        double[] tr = new double[2];
        for (int i = 0; i < 2; i++) {
            TofuItem it = forget.items().get(i);
            TofuItemResult got = f.items().get(i);
            double ans = handLoss(it.question(), it.answer());
            double para = handLoss(it.question(), it.paraphrasedAnswer());
            double sumPert = 0;
            for (String w : it.perturbedAnswers()) {
                sumPert += handLoss(it.question(), w);
            }
            double meanPert = sumPert / it.perturbedAnswers().size();
            assertThat(got.answerLoss()).isCloseTo(ans, within(2e-5));
            assertThat(got.paraphrasedLoss()).isCloseTo(para, within(2e-5));
            assertThat(got.probability()).isCloseTo(Math.exp(-ans), within(1e-5));
            // truth ratio P_pert / P_corr = exp(para - mean(perturbed))
            tr[i] = Math.exp(para - meanPert);
            assertThat(got.truthRatio()).isCloseTo(tr[i], within(1e-4 * tr[i]));
            String gen = handGeneration(it.question());
            assertThat(got.generation()).isEqualTo(gen);
            assertThat(got.rougeLRecall()).isEqualTo(rouge.rougeL(it.answer(), gen).recall());
        }
        double closer = 0;
        for (double x : tr) {
            closer += Math.min(x, 1 / x) / 2;
        }
        assertThat(f.truthRatio()).isCloseTo(closer, within(1e-4));

        TofuItem it = ra.items().get(0);
        TofuItemResult got = r.split("real_authors").items().get(0);
        double ans = handLoss(it.question(), it.answer());
        double denom = Math.exp(-ans);
        double sumPert = 0;
        for (String w : it.perturbedAnswers()) {
            double l = handLoss(it.question(), w);
            denom += Math.exp(-l);
            sumPert += l;
        }
        assertThat(got.normalizedProbability()).isCloseTo(Math.exp(-ans) / denom, within(1e-5));
        double trRa = Math.exp(ans - sumPert / it.perturbedAnswers().size());
        assertThat(got.truthRatio()).isCloseTo(trRa, within(1e-4 * trRa));

        assertThat(r.modelUtility()).as("no retain/world-facts sets: no model utility").isNull();
        assertThat(r.forgetQuality()).isNull();
        assertThat(stages).contains("forget: generation 2/2", "real_authors: probabilities 8/8");
    }

    @Test
    void batchingAndPaddingDoNotChangeTheResults() throws Exception {
        TofuSplit forget = TofuSplit.forget(SharedFiles.path("data/tofu/forget01_perturbed.json"), 4);
        TofuSettings s = TofuSettings.defaults().withMaxNewTokens(3);
        TofuSplitResult one = new TofuRunner(model, tok, s.withBatchSize(1), null).evaluate(forget);
        TofuSplitResult many = new TofuRunner(model, tok, s.withBatchSize(5), null).evaluate(forget);
        for (int i = 0; i < 4; i++) {
            TofuItemResult a = one.items().get(i);
            TofuItemResult b = many.items().get(i);
            assertThat(b.answerLoss()).isCloseTo(a.answerLoss(), within(2e-5));
            assertThat(b.paraphrasedLoss()).isCloseTo(a.paraphrasedLoss(), within(2e-5));
            assertThat(b.generation()).isEqualTo(a.generation());
        }
    }

    @Test
    void miaAndForgetQualityAreWiredThrough() throws Exception {
        TofuSplit forget = TofuSplit.forget(SharedFiles.path("data/tofu/forget01_perturbed.json"), 3);
        List<TofuItem> holdout = TofuItem.read(SharedFiles.path("data/tofu/retain_perturbed.json"), 3);
        TofuRunner runner = new TofuRunner(model, tok, TofuSettings.defaults().withMaxNewTokens(2), null);
        double[] reference = {0.1, 0.2, 5.0};
        TofuResult r = runner.run(List.of(forget), holdout, reference);
        double[] tr = r.split("forget").truthRatios();
        assertThat(r.forgetQuality()).isEqualTo(dev.lethe.eval.metrics.KsTest.twoSample(tr, reference).pvalue());
        assertThat(r.referenceSize()).isEqualTo(3);
        MiaResult m = r.mia();
        assertThat(m.memberLoss()).hasSize(3);
        assertThat(m.nonMemberLoss()).hasSize(3);
        // LOSS excludes the EOS prediction: recompute it from the answer tokens alone, on the first forget item whose
        // prompt + answer fits the fixture's 128-token context (so the whole sequence is one forward pass)
        int idx = -1;
        int[] p = null;
        int[] a = null;
        for (int i = 0; i < forget.items().size() && idx < 0; i++) {
            TofuItem it = forget.items().get(i);
            p = PromptTemplate.PLAIN.promptIds(tok, it.question());
            a = PromptTemplate.PLAIN.withSpecialTokens(true, false).answerIds(tok, it.answer());
            idx = p.length + a.length <= 128 ? i : -1;
        }
        assertThat(idx).as("a forget item that fits the context").isNotNegative();
        int[] seq = new int[p.length + a.length];
        System.arraycopy(p, 0, seq, 0, p.length);
        System.arraycopy(a, 0, seq, p.length, a.length);
        try (Tape tape = Tape.inference()) {
            INDArray logits = model.forward(tape, TokenBatch.of(seq)).logits().value();
            double nll = 0;
            for (int t = p.length - 1; t < seq.length - 1; t++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < logits.size(2); j++) {
                    max = Math.max(max, logits.getDouble(0, t, j));
                }
                double z = 0;
                for (int j = 0; j < logits.size(2); j++) {
                    z += Math.exp(logits.getDouble(0, t, j) - max);
                }
                nll -= logits.getDouble(0, t, seq[t + 1]) - max - Math.log(z);
            }
            assertThat(m.memberLoss()[idx]).isCloseTo(nll / a.length, within(2e-5));
        }
        // hand AUC: members class 0, non-members class 1; count pairs where the non-member's loss is larger
        double pairs = 0;
        for (double x : m.memberLoss()) {
            for (double y : m.nonMemberLoss()) {
                pairs += y > x ? 1 : y == x ? 0.5 : 0;
            }
        }
        assertThat(m.lossAuc()).isCloseTo(pairs / 9, within(1e-12));
    }

    @Test
    void miaAddsGradientNormLowercaseAndReferenceAttacks() throws Exception {
        List<TofuItem> members = TofuItem.read(SharedFiles.path("data/tofu/forget01_perturbed.json"), 2);
        List<TofuItem> holdout = TofuItem.read(SharedFiles.path("data/tofu/retain_perturbed.json"), 2);
        TofuSettings s = TofuSettings.defaults();
        // the model as its own reference: every reference score is exactly loss - loss = 0
        MiaResult m = new TofuRunner(model, tok, s, null, model).mia(members, holdout);
        assertThat(m.attacks()).containsOnlyKeys(MiaResult.GRAD_NORM, MiaResult.LOWERCASE, MiaResult.REFERENCE);
        assertThat(m.attacks().get(MiaResult.REFERENCE).member()).containsExactly(0.0, 0.0);
        assertThat(m.attacks().get(MiaResult.REFERENCE).auc()).isEqualTo(0.5);
        // gradient norms of the same answers as the LOSS attack (EOS prediction left out)
        List<int[]> prompts = new ArrayList<>();
        List<int[]> answers = new ArrayList<>();
        List<int[]> lowered = new ArrayList<>();
        for (TofuItem it : members) {
            prompts.add(s.prompt().promptIds(tok, it.question()));
            answers.add(s.prompt().answerIds(tok, it.answer()));
            lowered.add(s.prompt().answerIds(tok, LowercaseScore.lower(it.answer())));
        }
        int eos = tok.eosId().orElse(-1);
        assertThat(m.attacks().get(MiaResult.GRAD_NORM).member()).containsExactly(
                new GradNormScorer(model, s.maxLength()).score(prompts, answers, s.prompt().addEos() ? eos : -1, 2,
                        Progress.NONE, "g"));
        // lowercase: -(loss of the lower-cased answer / loss of the answer), losses as the LOSS attack's
        List<AnswerScorer.Scored> low = new AnswerScorer(model, 1, s.maxLength()).score(prompts, lowered,
                Progress.NONE, "l");
        for (int i = 0; i < 2; i++) {
            double[] lp = low.get(i).tokenLogProbs();
            // the EOS prediction is left out unless truncation (the fixture's 128-token context) cut it off
            int n = s.prompt().addEos() && lp.length == lowered.get(i).length ? lp.length - 1 : lp.length;
            double loss = -Arrays.stream(lp, 0, n).sum() / n;
            assertThat(m.attacks().get(MiaResult.LOWERCASE).member()[i])
                    .isCloseTo(-(loss / m.memberLoss()[i]), within(1e-6));
        }
        assertThat(new TofuRunner(model, tok, s, null).mia(members, holdout).attacks())
                .containsOnlyKeys(MiaResult.GRAD_NORM, MiaResult.LOWERCASE);
    }

}
