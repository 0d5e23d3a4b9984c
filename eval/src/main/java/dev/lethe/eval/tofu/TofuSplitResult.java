package dev.lethe.eval.tofu;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.lethe.eval.metrics.NumpyMath;
import dev.lethe.eval.metrics.TruthRatio;
import java.util.List;

/**
 * Per-item results of one TOFU set and its three aggregates (algorithms.md 10.2): {@code probability} (mean plain
 * probability on forget/retain, mean normalised probability on the option sets), {@code rougeLRecall} (mean) and
 * {@code truthRatio} (forget: {@code mean(min(TR, 1/TR))}; others: {@code mean(max(0, 1 - TR))}).
 */
public record TofuSplitResult(String name, TofuSplit.Kind kind, String file, List<TofuItemResult> items,
                              double probability, @JsonProperty("rouge_l_recall") double rougeLRecall,
                              double truthRatio) implements java.io.Serializable {

    public static TofuSplitResult of(String name, TofuSplit.Kind kind, String file, List<TofuItemResult> items) {
        int n = items.size();
        double[] prob = new double[n];
        double[] rouge = new double[n];
        double[] tr = new double[n];
        for (int i = 0; i < n; i++) {
            TofuItemResult it = items.get(i);
            prob[i] = kind == TofuSplit.Kind.OPTIONS ? it.normalizedProbability() : it.probability();
            rouge[i] = it.rougeLRecall();
            tr[i] = it.truthRatio();
        }
        double[] stat = new double[n]; // TOFU's stored statistic P_corr / P_pert
        for (int i = 0; i < n; i++) {
            stat[i] = 1.0 / tr[i];
        }
        double agg = kind == TofuSplit.Kind.FORGET ? TruthRatio.legacyForgetAggregate(stat)
                : TruthRatio.legacyRetainAggregate(stat);
        return new TofuSplitResult(name, kind, file, List.copyOf(items), NumpyMath.mean(prob), NumpyMath.mean(rouge),
                agg);
    }

    /** Per-item truth ratios (OU direction), e.g. the retain model's reference sample of forget quality. */
    public double[] truthRatios() {
        return items.stream().mapToDouble(TofuItemResult::truthRatio).toArray();
    }

    /** Per-item mean answer NLLs (the LOSS membership score). */
    public double[] answerLosses() {
        return items.stream().mapToDouble(TofuItemResult::answerLoss).toArray();
    }
}
