package dev.lethe.eval.tofu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lethe.engine.testing.SharedFiles;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** TOFU aggregation from per-item losses: hand cases, and the official legacy log through both code paths. */
class TofuAggregationTest {

    static final double LN2 = Math.log(2);
    static final double LN4 = Math.log(4);

    @Test
    void optionItemByHand() {
        // P(a) = 1/2, two wrong answers with P = 1/4 each: normalised 0.5 / (0.5 + 0.25 + 0.25) = 0.5;
        // TR = P_pert / P_corr = 0.25 / 0.5 = 0.5
        TofuItemResult r = TofuItemResult.of(TofuSplit.Kind.OPTIONS, "q", "a", "g", 1.0, LN2, 3, null,
                new double[] {LN4, LN4});
        assertThat(r.probability()).isCloseTo(0.5, within(1e-15));
        assertThat(r.normalizedProbability()).isCloseTo(0.5, within(1e-15));
        assertThat(r.truthRatio()).isCloseTo(0.5, within(1e-9));
    }

    @Test
    void forgetAndRetainAggregatesByHand() {
        // paraphrase P = 1/2; wrong answers P = 1/4 (TR 0.5) or P = 1 (TR 2)
        TofuItemResult a = TofuItemResult.of(TofuSplit.Kind.FORGET, "q", "a", "g", 0.25, LN2, 2, LN2,
                new double[] {LN4});
        TofuItemResult b = TofuItemResult.of(TofuSplit.Kind.FORGET, "q", "a", "g", 0.75, LN4, 2, LN2,
                new double[] {0.0});
        assertThat(a.truthRatio()).isCloseTo(0.5, within(1e-9));
        assertThat(b.truthRatio()).isCloseTo(2.0, within(1e-9));
        TofuSplitResult f = TofuSplitResult.of("forget", TofuSplit.Kind.FORGET, null, List.of(a, b));
        assertThat(f.truthRatio()).isCloseTo(0.5, within(1e-9)); // mean(min(TR, 1/TR)) = (0.5 + 0.5) / 2
        assertThat(f.probability()).isCloseTo((0.5 + 0.25) / 2, within(1e-15));
        assertThat(f.rougeLRecall()).isCloseTo(0.5, within(1e-15));
        TofuSplitResult r = TofuSplitResult.of("retain", TofuSplit.Kind.RETAIN, null, List.of(a, b));
        assertThat(r.truthRatio()).isCloseTo(0.25, within(1e-9)); // mean(max(0, 1 - TR)) = (0.5 + 0) / 2
    }

    @Test
    void modelUtilityIsTheHarmonicMeanOfNineWithTheZeroRule() {
        TofuItemResult a = TofuItemResult.of(TofuSplit.Kind.RETAIN, "q", "a", "g", 0.5, LN2, 2, LN2,
                new double[] {LN4});
        TofuItemResult o = TofuItemResult.of(TofuSplit.Kind.OPTIONS, "q", "a", "g", 1.0, LN2, 3, null,
                new double[] {LN4, LN4});
        TofuSplitResult retain = TofuSplitResult.of("retain", TofuSplit.Kind.RETAIN, null, List.of(a));
        TofuSplitResult ra = TofuSplitResult.of("real_authors", TofuSplit.Kind.OPTIONS, null, List.of(o));
        TofuSplitResult wf = TofuSplitResult.of("world_facts", TofuSplit.Kind.OPTIONS, null, List.of(o));
        TofuResult r = TofuResult.aggregate(List.of(retain, ra, wf), null, null);
        // retain: prob 0.5, ROUGE 0.5, TR max(0, 1 - 0.5) = 0.5; options: prob 0.5, ROUGE 1, TR 0.5
        // 9 / (2+2+2 + 2+1+2 + 2+1+2) = 9 / 16
        assertThat(r.modelUtility()).isCloseTo(9.0 / 16, within(1e-9));
        assertThat(r.utilityComponents()).hasSize(9).containsEntry("ROUGE Real Authors", 1.0);
        TofuItemResult zero = TofuItemResult.of(TofuSplit.Kind.RETAIN, "q", "a", "g", 0.0, LN2, 2, LN2,
                new double[] {LN4});
        TofuSplitResult retain0 = TofuSplitResult.of("retain", TofuSplit.Kind.RETAIN, null, List.of(zero));
        assertThat(TofuResult.aggregate(List.of(retain0, ra, wf), null, null).modelUtility()).isEqualTo(0.0);
        assertThat(TofuResult.aggregate(List.of(retain, ra), null, null).modelUtility()).isNull();
    }

    /** Per-item losses and ROUGE of TOFU's own log, aggregated here, equal TOFU's legacy aggregation of that log. */
    @Test
    void officialLogAggregatesTheSameThroughThisPath() throws Exception {
        TofuEvalLog log = TofuEvalLog.read(SharedFiles.path(
                "data/tofu_eval_logs/llama2-7b_retain99_wd0.01_eval_log_aggregated.json"));
        List<TofuSplitResult> sets = List.of(
                fromLog(log.set("eval_log_forget.json"), "forget", TofuSplit.Kind.FORGET, false),
                fromLog(log.set("eval_log.json"), "retain", TofuSplit.Kind.RETAIN, false),
                fromLog(log.set("eval_real_author_wo_options.json"), "real_authors", TofuSplit.Kind.OPTIONS, false),
                fromLog(log.set("eval_real_world_wo_options.json"), "world_facts", TofuSplit.Kind.OPTIONS, false));
        double[] ref = sets.get(0).truthRatios();
        TofuResult r = TofuResult.aggregate(sets, ref, null);
        TofuLegacyAggregate.Result legacy = TofuLegacyAggregate.aggregate(log, log);
        Map<String, Double> want = legacy.components();
        for (Map.Entry<String, Double> e : r.utilityComponents().entrySet()) {
            if (!e.getKey().startsWith("Truth Ratio R")) {
                assertThat(e.getValue()).as(e.getKey()).isCloseTo(want.get(e.getKey()), within(1e-12));
            }
        }
        // On the option sets TOFU's truth ratio used avg_paraphrased_loss: the answer's loss computed again in
        // another batch, which differs from avg_gt_loss by up to 0.06 on a few items (padding of the last batch).
        // Fed that loss as the answer's, the option-set truth ratios agree as well.
        assertThat(fromLog(log.set("eval_real_author_wo_options.json"), "ra", TofuSplit.Kind.OPTIONS, true)
                .truthRatio()).isCloseTo(want.get("Truth Ratio Real Authors"), within(1e-12));
        assertThat(fromLog(log.set("eval_real_world_wo_options.json"), "wf", TofuSplit.Kind.OPTIONS, true)
                .truthRatio()).isCloseTo(want.get("Truth Ratio Real World"), within(1e-12));
        assertThat(r.modelUtility()).isCloseTo(legacy.modelUtility(), within(1e-3));
        assertThat(r.split("forget").truthRatio()).isCloseTo(want.get("Truth Ratio Forget"), within(1e-12));
        assertThat(r.split("forget").probability()).isCloseTo(want.get("Prob. Forget"), within(1e-12));
        assertThat(r.split("forget").rougeLRecall()).isCloseTo(want.get("ROUGE Forget"), within(1e-12));
        // and against a different sample: the KS p-value equals the legacy one of the inverse statistics
        double[] shifted = ref.clone();
        for (int i = 0; i < shifted.length; i += 2) {
            shifted[i] *= 3;
        }
        double[] inv = new double[shifted.length];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = 1 / shifted[i];
        }
        assertThat(TofuResult.aggregate(sets, shifted, null).forgetQuality()).isEqualTo(
                dev.lethe.eval.metrics.KsTest.twoSample(TofuLegacyAggregate.legacyStats(
                        log.set("eval_log_forget.json")), inv).pvalue());
    }

    static TofuSplitResult fromLog(TofuEvalLog.EvalSet s, String name, TofuSplit.Kind kind, boolean paraAsAnswer) {
        List<TofuItemResult> items = new ArrayList<>();
        for (int i = 0; i < s.size(); i++) {
            double answerLoss = paraAsAnswer ? s.avgParaphrasedLoss()[i] : s.avgGtLoss()[i];
            items.add(TofuItemResult.of(kind, "q" + i, "a", "g", s.rougeLRecall()[i], answerLoss, 1,
                    kind == TofuSplit.Kind.OPTIONS ? null : s.avgParaphrasedLoss()[i], s.averagePerturbLoss()[i]));
        }
        return TofuSplitResult.of(name, kind, null, items);
    }
}
