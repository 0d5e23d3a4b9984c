package dev.lethe.optim.rule;

import dev.lethe.engine.ParameterSet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The plain weighted sum d = Σ_i w_i ∇L_i, for example γ·∇L_forget + α·∇L_retain (GradDiff, NPO + retain NLL; with
 * weights (1, γ) it is also BLUR's penalty baseline, arXiv 2506.08164). Objectives with weight 0 are not evaluated.
 */
public final class WeightedSum implements UpdateRule {
    private final Map<String, Double> weights;

    /** Weights by objective name, in evaluation order. */
    public WeightedSum(Map<String, Double> weights) {
        this.weights = new LinkedHashMap<>(weights);
    }

    /** γ·forget + α·retain. */
    public WeightedSum(double gamma, double alpha) {
        this(orderedPair(gamma, alpha));
    }

    private static Map<String, Double> orderedPair(double gamma, double alpha) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("forget", gamma);
        m.put("retain", alpha);
        return m;
    }

    @Override
    public Direction direction(GradientOracle oracle, StepContext ctx) {
        ParameterSet d = null;
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (Map.Entry<String, Double> w : weights.entrySet()) {
            if (w.getValue() == 0) {
                continue;
            }
            Evaluation e = oracle.evaluate(w.getKey());
            metrics.put("loss/" + w.getKey(), e.loss());
            metrics.put("grad_norm/" + w.getKey(), e.gradient().norm());
            if (d == null) {
                d = e.gradient().scale(w.getValue()); // d = w_0 g_0 (the evaluation's set is ours to modify)
            } else {
                d.axpy(w.getValue(), e.gradient()); // d += w_i g_i
            }
        }
        if (d == null) {
            d = oracle.parameters().zerosLike();
        }
        return new Direction(d, metrics);
    }
}
