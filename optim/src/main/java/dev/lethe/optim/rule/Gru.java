package dev.lethe.optim.rule;

import dev.lethe.engine.ParameterSet;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Gradient Rectified Unlearning (arXiv 2503.09117, §4; algorithms.md 5.15.1): keep an exponential moving average of
 * the retain gradient, ĝ_r ← γ·g_r + (1 − γ)·ĝ_r (γ weights the new gradient, ĝ_r = 0 before the first step), and step
 * along the forget gradient with its conflicting part removed: d = g_f − (⟨g_f,ĝ_r⟩/‖ĝ_r‖²)·ĝ_r when ⟨g_f,ĝ_r⟩ < 0,
 * else d = g_f. The retain gradient only defines the projection; it is never added to d. Works around any forget
 * objective and composes with wrappers ({@code Sam.around(new Gru(0.8), 0.01, "forget")}). The average is the rule's
 * state (checkpointed under {@code ema.<param>}).
 */
public final class Gru implements UpdateRule {
    private final double gamma;
    private final String forget;
    private final String retain;
    private ParameterSet ema;

    public Gru(double gamma, String forget, String retain) {
        if (!(gamma > 0 && gamma <= 1)) {
            throw new IllegalArgumentException("GRU's gamma (weight of the new retain gradient in its moving average)"
                    + " must be in (0, 1], got " + gamma);
        }
        this.gamma = gamma;
        this.forget = forget;
        this.retain = retain;
    }

    /** GRU on objectives "forget" and "retain". */
    public Gru(double gamma) {
        this(gamma, "forget", "retain");
    }

    @Override
    public Direction direction(GradientOracle oracle, StepContext ctx) {
        Evaluation f = oracle.evaluate(forget);
        Evaluation r = oracle.evaluate(retain);
        ParameterSet gf = f.gradient();
        // ĝ_r ← γ g_r + (1 − γ) ĝ_r
        ema = ema == null ? r.gradient().scale(gamma) : ema.scale(1 - gamma).axpy(gamma, r.gradient());
        double dot = gf.dot(ema);
        double emaSq = ema.dot(ema);
        double gfNorm = Math.sqrt(gf.dot(gf));
        boolean conflict = dot < 0 && emaSq > 0;
        // d = g_f − (⟨g_f,ĝ_r⟩/‖ĝ_r‖²) ĝ_r   if ⟨g_f,ĝ_r⟩ < 0
        ParameterSet d = conflict ? gf.axpy(-dot / emaSq, ema) : gf;
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss/" + forget, f.loss());
        m.put("loss/" + retain, r.loss());
        m.put("gru/cos", gfNorm == 0 || emaSq == 0 ? 0.0 : dot / (gfNorm * Math.sqrt(emaSq)));
        m.put("gru/projected", conflict ? 1.0 : 0.0);
        return new Direction(d, m);
    }

    @Override
    public ParameterSet state() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        if (ema != null) {
            for (Map.Entry<String, INDArray> e : ema) {
                m.put("ema." + e.getKey(), e.getValue());
            }
        }
        return ParameterSet.of(m);
    }

    @Override
    public void loadState(ParameterSet state) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : state) {
            m.put(e.getKey().substring("ema.".length()), e.getValue().dup());
        }
        ema = m.isEmpty() ? null : ParameterSet.of(m);
    }
}
