package dev.lethe.eval.tofu;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.eval.metrics.HarmonicMean;
import dev.lethe.eval.metrics.KsTest;
import dev.lethe.eval.metrics.NumpyMath;
import dev.lethe.eval.metrics.TruthRatio;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * TOFU's legacy aggregation ({@code aggregate_eval_stat.py} of {@code locuslab/tofu}; arXiv 2401.06121 section 2.5):
 * for each of the four evaluation sets "ROUGE" (mean ROUGE-L recall), "Prob." (mean {@code exp(-avg_gt_loss)} on the
 * retain and forget sets, the correct answer's share of {@code exp(-loss)} over correct plus perturbed answers on real
 * authors and world facts) and "Truth Ratio" (mean {@code min(s, 1/s)} on forget, mean {@code max(0, 1 - 1/s)}
 * elsewhere, with {@code s = exp(mean(perturbed) - paraphrased)}); "Model Utility" is {@code scipy.stats.hmean} of the
 * nine non-forget numbers; "Forget Quality" (= "KS Test PVal Forget") and "KS Test Forget" are the p-value and the
 * statistic of {@code ks_2samp} between the forget-set statistics of the unlearned model and of the retain model. Names
 * and order of the entries are TOFU's own.
 */
public final class TofuLegacyAggregate {

    private static final Map<String, String> DISPLAY = Map.of(
            "eval_real_author_wo_options.json", "Real Authors",
            "eval_real_world_wo_options.json", "Real World",
            "eval_log.json", "Retain",
            "eval_log_forget.json", "Forget");

    /**
     * Aggregated result. {@code components} holds the twelve "ROUGE/Prob./Truth Ratio x set" entries in TOFU's order;
     * the forget-quality fields are NaN when no retain-model log was given.
     */
    public record Result(Map<String, Double> components, double modelUtility, double forgetQuality,
                         double ksTestForget) {

        /** All entries as TOFU names them: the components, "Model Utility", then the three forget-quality keys. */
        public Map<String, Double> asMap() {
            Map<String, Double> m = new LinkedHashMap<>(components);
            m.put("Model Utility", modelUtility);
            if (!Double.isNaN(forgetQuality)) {
                m.put("Forget Quality", forgetQuality);
                m.put("KS Test PVal Forget", forgetQuality);
                m.put("KS Test Forget", ksTestForget);
            }
            return m;
        }

        /** JSON object with the entries of {@link #asMap()} (doubles printed with full precision). */
        public String toJson() {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode node = mapper.createObjectNode();
            asMap().forEach(node::put);
            try {
                return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(node);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot render TOFU aggregate as JSON", e);
            }
        }
    }

    private TofuLegacyAggregate() {
    }

    /** Model utility and its components of one log, plus forget quality against the retain model's log. */
    public static Result aggregate(TofuEvalLog unlearned, TofuEvalLog retainModel) {
        Result mu = modelUtility(unlearned);
        KsTest.Result ks = forgetKs(unlearned, retainModel);
        return new Result(mu.components(), mu.modelUtility(), ks.pvalue(), ks.statistic());
    }

    /** {@code get_model_utility}: components and "Model Utility" only (forget-quality fields NaN). */
    public static Result modelUtility(TofuEvalLog log) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String key : TofuEvalLog.SET_KEYS) {
            for (String metric : List.of("ROUGE", "Prob.", "Truth Ratio")) {
                out.put(metric + " " + DISPLAY.get(key), Double.NaN);
            }
        }
        for (String key : TofuEvalLog.SET_KEYS) {
            TofuEvalLog.EvalSet s = log.set(key);
            String name = DISPLAY.get(key);
            out.put("Prob. " + name, key.contains("eval_log") ? plainProbability(s) : normalizedProbability(s));
            out.put("ROUGE " + name, NumpyMath.mean(s.rougeLRecall()));
            double[] stats = legacyStats(s);
            out.put("Truth Ratio " + name, key.contains("forget")
                    ? TruthRatio.legacyForgetAggregate(stats)
                    : TruthRatio.legacyRetainAggregate(stats));
        }
        List<Double> cands = new ArrayList<>();
        out.forEach((k, v) -> {
            if (!k.contains("Forget")) {
                cands.add(v);
            }
        });
        double utility = HarmonicMean.scipy(cands.stream().mapToDouble(Double::doubleValue).toArray());
        return new Result(Collections.unmodifiableMap(out), utility, Double.NaN, Double.NaN);
    }

    /** {@code get_forget_quality}: KS test of the forget-set statistics of the two logs. */
    public static KsTest.Result forgetKs(TofuEvalLog unlearned, TofuEvalLog retainModel) {
        return KsTest.twoSample(legacyStats(unlearned.set("eval_log_forget.json")),
                legacyStats(retainModel.set("eval_log_forget.json")));
    }

    /** Per-item {@code exp(mean(average_perturb_loss) - avg_paraphrased_loss)} of one set. */
    public static double[] legacyStats(TofuEvalLog.EvalSet s) {
        double[] out = new double[s.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = TruthRatio.legacyTofu(s.avgParaphrasedLoss()[i], s.averagePerturbLoss()[i]);
        }
        return out;
    }

    private static double plainProbability(TofuEvalLog.EvalSet s) {
        double[] p = new double[s.size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(-1 * s.avgGtLoss()[i]);
        }
        return NumpyMath.mean(p);
    }

    private static double normalizedProbability(TofuEvalLog.EvalSet s) {
        double[] share = new double[s.size()];
        for (int i = 0; i < share.length; i++) {
            double[] row = new double[s.averagePerturbLoss()[i].length + 1];
            double truth = Math.exp(-1 * s.avgGtLoss()[i]);
            row[0] = truth;
            for (int j = 1; j < row.length; j++) {
                row[j] = Math.exp(-1 * s.averagePerturbLoss()[i][j - 1]);
            }
            share[i] = truth / NumpyMath.sum(row);
        }
        return NumpyMath.mean(share);
    }
}
