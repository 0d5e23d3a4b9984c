package dev.lethe.eval.muse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.Tape;
import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.eval.metrics.Rouge;
import dev.lethe.eval.metrics.ZlibScore;
import dev.lethe.transformer.check.ReferenceCheck;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.model.TokenBatch;
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
 * The MUSE runner end to end on the random tiny Llama of ../shared/fixtures/hf/llama and the texts in test resources
 * muse/, checked against an independent computation: each sequence run alone (no padding, no batching, no KV cache
 * for scoring), log-softmax and the Min-k%++ moments written out by hand in double precision, greedy decoding by
 * {@link ReferenceCheck#greedy} with a fixed number of steps (no stop strings; the KnowMem cut applied afterwards),
 * AUCs by counting pairs, and MUSE's formulas re-derived.
 */
class MuseRunnerTest {

    static final Path DIR = Path.of("src/test/resources/muse");
    static CausalLM model;
    static Tokenizer tok;

    @BeforeAll
    static void load() throws Exception {
        Path dir = SharedFiles.path("fixtures/hf/llama");
        model = CausalLM.load(dir);
        tok = Tokenizers.load(dir);
    }

    static MuseSettings settings() {
        return MuseSettings.defaults().withBatchSize(3).withVerbmemPromptTokens(12).withVerbmemMaxNewTokens(8)
                .withKnowmemMaxNewTokens(6);
    }

    /** Greedy continuation by full recompute, up to EOS, decoded without special tokens. */
    static String handGreedy(int[] prompt, int steps) {
        assertThat(prompt.length + steps).as("fits the 128-token context untruncated").isLessThanOrEqualTo(128);
        int[] g = ReferenceCheck.greedy(model, prompt, steps, new BufferPool());
        int end = 0;
        while (end < g.length && g[end] != tok.eosId().getAsInt()) {
            end++;
        }
        return tok.decode(Arrays.copyOf(g, end), true);
    }

    /** Per scored token {log p, mu, variance}, by hand from one unpadded forward. */
    static double[][] handRows(String text) {
        int[] ids = tok.encode(text, true);
        assertThat(ids.length).as("fits the context untruncated").isLessThanOrEqualTo(128);
        try (Tape tape = Tape.inference()) {
            INDArray logits = model.forward(tape, TokenBatch.of(ids)).logits().value();
            int v = (int) logits.size(2);
            double[][] out = new double[3][ids.length - 1];
            for (int t = 0; t < ids.length - 1; t++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < v; j++) {
                    max = Math.max(max, logits.getDouble(0, t, j));
                }
                double z = 0;
                for (int j = 0; j < v; j++) {
                    z += Math.exp(logits.getDouble(0, t, j) - max);
                }
                double mu = 0;
                double second = 0;
                for (int j = 0; j < v; j++) {
                    double lp = logits.getDouble(0, t, j) - max - Math.log(z);
                    mu += Math.exp(lp) * lp;
                    second += Math.exp(lp) * lp * lp;
                }
                out[0][t] = logits.getDouble(0, t, ids[t + 1]) - max - Math.log(z);
                out[1][t] = mu;
                out[2][t] = second - mu * mu;
            }
            return out;
        }
    }

    /** The four scores of one text, by hand: {loss, zlib, min-k, min-k++} with k = 0.4. */
    static double[] handScores(String text) {
        double[][] r = handRows(text);
        int n = r[0].length;
        double loss = -Arrays.stream(r[0]).sum() / n;
        int k = Math.max(1, (int) (n * 0.4));
        double[] sorted = r[0].clone();
        Arrays.sort(sorted);
        double minK = -Arrays.stream(sorted, 0, k).sum() / k;
        double[] z = new double[n];
        for (int t = 0; t < n; t++) {
            z[t] = (r[0][t] - r[1][t]) / Math.sqrt(Math.max(r[2][t], 1e-6));
        }
        Arrays.sort(z);
        double minKpp = -Arrays.stream(z, 0, k).sum() / k;
        return new double[] {loss, loss / ZlibScore.compressedLength(text), minK, minKpp};
    }

    /** Fraction of (forget, holdout) pairs where the holdout score is lower, ties one half: MUSE's AUC. */
    static double pairAuc(double[] forget, double[] holdout) {
        double c = 0;
        for (double f : forget) {
            for (double h : holdout) {
                c += h < f ? 1 : h == f ? 0.5 : 0;
            }
        }
        return c / (forget.length * holdout.length);
    }

    @Test
    void everyMetricEqualsAnIndependentComputation() throws Exception {
        List<String> forget = MuseFiles.readTexts(DIR.resolve("forget.jsonl"), 0);
        List<String> holdout = MuseFiles.readTexts(DIR.resolve("holdout.jsonl"), 0);
        List<MuseData.QaPair> fqa = MuseFiles.readQa(DIR.resolve("forget_qa.json"), 0);
        List<MuseData.QaPair> rqa = MuseFiles.readQa(DIR.resolve("retain_qa.jsonl"), 0);
        List<MuseData.QaPair> icl = MuseFiles.readQa(DIR.resolve("qa_icl.jsonl"), 0);
        List<String> stages = new ArrayList<>();
        MuseRunner runner = new MuseRunner(model, tok, settings(), (s, d, t) -> stages.add(s + " " + d + "/" + t));
        MuseResult r = runner.run(new MuseData(forget, holdout, null, fqa, rqa, icl, null),
                new PrivLeakResult.Reference(0.4, "test"));
        Rouge rouge = new Rouge(false);

        // VerbMem: prompt = first 12 tokens of each forget text, continuation cut to 8 tokens incl. BOS
        double f1 = 0;
        for (int i = 0; i < forget.size(); i++) {
            int[] ids = tok.encode(forget.get(i), false);
            String prompt = tok.decode(Arrays.copyOf(ids, 12), true);
            String rest = tok.decode(Arrays.copyOfRange(ids, 12, ids.length), true);
            int[] restIds = tok.encode(rest, true);
            String ref = tok.decode(Arrays.copyOf(restIds, Math.min(8, restIds.length)), true);
            String gen = handGreedy(tok.encode(prompt, true), 8);
            MuseResult.Item got = r.verbmem().items().get(i);
            assertThat(got.prompt()).isEqualTo(prompt);
            assertThat(got.reference()).isEqualTo(ref);
            assertThat(got.generation()).isEqualTo(gen.strip());
            assertThat(got.rougeLF1()).isEqualTo(rouge.rougeL(ref, gen).fmeasure());
            f1 += got.rougeLF1();
        }
        assertThat(r.headline().get("verbmem_f")).isCloseTo(f1 / forget.size() * 100, within(1e-12));

        // KnowMem: few-shot prompt (forget only), 6 greedy tokens, MUSE's cut, ROUGE-L F1 vs the answer
        for (int i = 0; i < fqa.size(); i++) {
            String prompt = "Question: " + icl.get(0).question() + "\nAnswer: " + icl.get(0).answer() + "\n\n"
                    + "Question: " + fqa.get(i).question() + "\nAnswer: ";
            String gen = KnowMemPrompt.cut(handGreedy(tok.encode(prompt, true), 6));
            MuseResult.Item got = r.knowmemForget().items().get(i);
            assertThat(got.generation()).isEqualTo(gen.strip());
            assertThat(got.rougeLF1()).isEqualTo(rouge.rougeL(fqa.get(i).answer(), gen).fmeasure());
        }
        String retainPrompt = "Question: " + rqa.get(1).question() + "\nAnswer: ";
        assertThat(r.knowmemRetain().items().get(1).generation())
                .isEqualTo(KnowMemPrompt.cut(handGreedy(tok.encode(retainPrompt, true), 6)).strip());

        // PrivLeak: every attack's scores, both AUCs and PrivLeak = (AUC - 0.4) / 0.4 * 100
        double[][] hf = new double[4][forget.size()];
        double[][] hh = new double[4][holdout.size()];
        for (int i = 0; i < forget.size(); i++) {
            double[] s = handScores(forget.get(i));
            for (int a = 0; a < 4; a++) {
                hf[a][i] = s[a];
            }
        }
        for (int i = 0; i < holdout.size(); i++) {
            double[] s = handScores(holdout.get(i));
            for (int a = 0; a < 4; a++) {
                hh[a][i] = s[a];
            }
        }
        MiaAttack[] order = {MiaAttack.LOSS, MiaAttack.ZLIB, MiaAttack.MIN_K, MiaAttack.MIN_K_PLUS_PLUS};
        for (int a = 0; a < 4; a++) {
            PrivLeakResult.AttackResult got = r.privleak().attacks().get(order[a]);
            assertThat(got.forgetScores()).as(order[a].key()).containsExactly(hf[a], within(2e-5));
            assertThat(got.holdoutScores()).as(order[a].key()).containsExactly(hh[a], within(2e-5));
            // AUCs are computed from the runner's own scores: exact pair counts on those
            assertThat(got.aucMuse()).isCloseTo(pairAuc(got.forgetScores(), got.holdoutScores()), within(1e-12));
            assertThat(got.aucOpenUnlearning()).isCloseTo(1 - got.aucMuse(), within(1e-12));
        }
        double auc = pairAuc(r.privleak().attacks().get(MiaAttack.MIN_K).forgetScores(),
                r.privleak().attacks().get(MiaAttack.MIN_K).holdoutScores());
        assertThat(r.privleak().auc()).isCloseTo(auc, within(1e-12));
        assertThat(r.privleak().privLeak()).isCloseTo((auc - 0.4) / 0.4 * 100, within(1e-9));
        assertThat(r.headline()).containsKeys("verbmem_f", "knowmem_f", "knowmem_r", "privleak", "privleak_auc");
        assertThat(stages).contains("verbmem: generation 4/4", "knowmem_forget: generation 3/3",
                "privleak: forget texts 3/4", "privleak: holdout texts 3/3");
    }

    @Test
    void batchingDoesNotChangeResultsAndPreSplitItemsAreUsedAsGiven() throws Exception {
        List<String> forget = MuseFiles.readTexts(DIR.resolve("forget.jsonl"), 0);
        List<String> holdout = MuseFiles.readTexts(DIR.resolve("holdout.jsonl"), 0);
        List<MuseData.Continuation> vm = MuseFiles.readContinuations(DIR.resolve("verbmem.json"), 0);
        MuseData data = new MuseData(forget, holdout, vm, null, null, null, null);
        MuseResult one = new MuseRunner(model, tok, settings().withBatchSize(1), null).run(data, null);
        MuseResult many = new MuseRunner(model, tok, settings().withBatchSize(4), null).run(data, null);
        assertThat(one.verbmem().items()).hasSize(2);
        assertThat(one.verbmem().items().get(0).prompt()).isEqualTo(vm.get(0).prompt());
        for (int i = 0; i < 2; i++) {
            assertThat(many.verbmem().items().get(i).generation())
                    .isEqualTo(one.verbmem().items().get(i).generation());
        }
        for (MiaAttack a : MiaAttack.values()) {
            assertThat(many.privleak().attacks().get(a).forgetScores())
                    .containsExactly(one.privleak().attacks().get(a).forgetScores(), within(2e-5));
        }
        assertThat(one.privleak().referenceAuc()).isEqualTo(0.5);
        assertThat(one.knowmemForget()).isNull();
    }

    @Test
    void referenceOfTheSameModelGivesZeroPrivLeak() throws Exception {
        List<String> forget = MuseFiles.readTexts(DIR.resolve("forget.jsonl"), 0);
        List<String> holdout = MuseFiles.readTexts(DIR.resolve("holdout.jsonl"), 0);
        MuseRunner runner = new MuseRunner(model, tok, settings(), null);
        PrivLeakResult.Reference ref = runner.reference(forget, holdout, "itself");
        MuseResult r = runner.run(new MuseData(forget, holdout, null, null, null, null, null), ref);
        assertThat(ref.auc()).isEqualTo(r.privleak().auc());
        assertThat(r.privleak().privLeak()).isEqualTo(0.0);
    }
}
