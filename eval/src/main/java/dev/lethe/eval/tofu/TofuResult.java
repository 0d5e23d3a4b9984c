package dev.lethe.eval.tofu;

import dev.lethe.eval.metrics.HarmonicMean;
import dev.lethe.eval.metrics.KsTest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A whole TOFU evaluation: the per-set results and the aggregates (algorithms.md 10.3-10.4). {@code forgetQuality} is
 * the {@code ks_2samp} p-value between the forget-set truth ratios and the retain model's ({@code ksStatistic} its D;
 * both null without a reference). {@code modelUtility} is {@code scipy.stats.hmean} (zero rule) of the nine numbers
 * of the retain, real-authors and world-facts sets, listed in {@code utilityComponents} under TOFU's own names and
 * order ("ROUGE Real Authors", "Prob. Real Authors", "Truth Ratio Real Authors", ... "Real World", ... "Retain"); null
 * unless all three sets were evaluated. {@code mia} is present when a holdout set was given.
 */
public record TofuResult(Map<String, TofuSplitResult> splits, Double forgetQuality, Double ksStatistic,
                         Integer referenceSize, Double modelUtility, Map<String, Double> utilityComponents,
                         MiaResult mia) {

    /** TOFU display names of the utility sets, in TOFU's order. */
    private static final List<String[]> UTILITY_SETS = List.of(
            new String[] {"real_authors", "Real Authors"},
            new String[] {"world_facts", "Real World"},
            new String[] {"retain", "Retain"});

    /**
     * Aggregates per-set results.
     *
     * @param retainForgetTruthRatios the retain model's per-item forget truth ratios (OU direction), or null
     * @param mia                     membership inference result, or null
     */
    public static TofuResult aggregate(List<TofuSplitResult> sets, double[] retainForgetTruthRatios, MiaResult mia) {
        Map<String, TofuSplitResult> byName = new LinkedHashMap<>();
        for (TofuSplitResult s : sets) {
            if (byName.put(s.name(), s) != null) {
                throw new IllegalArgumentException("TOFU set '" + s.name() + "' given twice");
            }
        }
        Double fq = null;
        Double ks = null;
        Integer refN = null;
        TofuSplitResult forget = byName.get("forget");
        if (retainForgetTruthRatios != null) {
            if (forget == null) {
                throw new IllegalArgumentException("a retain-model reference was given but no forget set was"
                        + " evaluated; add the forget set");
            }
            KsTest.Result r = KsTest.twoSample(forget.truthRatios(), retainForgetTruthRatios);
            fq = r.pvalue();
            ks = r.statistic();
            refN = retainForgetTruthRatios.length;
        }
        Map<String, Double> comp = new LinkedHashMap<>();
        boolean all = true;
        for (String[] set : UTILITY_SETS) {
            TofuSplitResult s = byName.get(set[0]);
            if (s == null) {
                all = false;
                continue;
            }
            comp.put("ROUGE " + set[1], s.rougeLRecall());
            comp.put("Prob. " + set[1], s.probability());
            comp.put("Truth Ratio " + set[1], s.truthRatio());
        }
        Double mu = all ? HarmonicMean.scipy(comp.values().stream().mapToDouble(Double::doubleValue).toArray())
                : null;
        return new TofuResult(byName, fq, ks, refN, mu, comp, mia);
    }

    public TofuSplitResult split(String name) {
        return splits.get(name);
    }

    /**
     * Headline numbers (null entries left out): forget quality, model utility, forget ROUGE/prob/TR, MIA AUCs
     * ({@code mia_<attack>_auc} for each further attack).
     */
    public Map<String, Double> headline() {
        Map<String, Double> h = new LinkedHashMap<>();
        put(h, "forget_quality", forgetQuality);
        put(h, "model_utility", modelUtility);
        TofuSplitResult f = splits.get("forget");
        if (f != null) {
            h.put("forget_rougeL_recall", f.rougeLRecall());
            h.put("forget_probability", f.probability());
            h.put("forget_truth_ratio", f.truthRatio());
        }
        if (mia != null) {
            h.put("mia_loss_auc", mia.lossAuc());
            h.put("mia_min_k_auc", mia.minKAuc());
            mia.attacks().forEach((name, a) -> h.put("mia_" + name + "_auc", a.auc()));
        }
        return h;
    }

    private static void put(Map<String, Double> m, String k, Double v) {
        if (v != null) {
            m.put(k, v);
        }
    }
}
