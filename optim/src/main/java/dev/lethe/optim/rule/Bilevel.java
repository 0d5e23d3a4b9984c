package dev.lethe.optim.rule;

import dev.lethe.engine.ParameterSet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * BLUR's bi-level step (arXiv 2506.08164; update as in the official code, "BLO_forget_lower"): forgetting is the
 * lower-level problem, so the retain gradient is projected orthogonally to the forget gradient and γ·g_f is added,
 * d = g_r − (⟨g_r,g_f⟩/‖g_f‖²)·g_f + γ·g_f, which gives ⟨d, g_f⟩ = γ‖g_f‖² whatever g_r is; d = g_r when ‖g_f‖ = 0.
 * The {@link #upper} variant swaps the roles: d = g_f + (γ − ⟨g_r,g_f⟩/‖g_r‖²)·g_r (d = g_f when ‖g_r‖ = 0). Logs
 * cos(g_f, g_r) as {@code bilevel/cos}.
 */
public final class Bilevel implements UpdateRule {
    private final double gamma;
    private final boolean upper;
    private final String forget;
    private final String retain;

    public Bilevel(double gamma, boolean upper, String forget, String retain) {
        this.gamma = gamma;
        this.upper = upper;
        this.forget = forget;
        this.retain = retain;
    }

    /** The lower variant on objectives "forget" and "retain". */
    public Bilevel(double gamma) {
        this(gamma, false, "forget", "retain");
    }

    /** The upper variant (forget projected off the retain gradient) on "forget" and "retain". */
    public static Bilevel upper(double gamma) {
        return new Bilevel(gamma, true, "forget", "retain");
    }

    @Override
    public Direction direction(GradientOracle oracle, StepContext ctx) {
        Evaluation f = oracle.evaluate(forget);
        Evaluation r = oracle.evaluate(retain);
        ParameterSet gf = f.gradient();
        ParameterSet gr = r.gradient();
        double sfr = gr.dot(gf);
        double sff = gf.dot(gf);
        double srr = gr.dot(gr);
        ParameterSet d;
        if (!upper) {
            // d = g_r + (γ − s_fr/s_ff)·g_f                                        (BLUR, lower)
            d = sff == 0 ? gr : gr.axpy(gamma - sfr / sff, gf);
        } else {
            // d = g_f + (γ − s_fr/s_rr)·g_r                                        (BLUR, upper)
            d = srr == 0 ? gf : gf.axpy(gamma - sfr / srr, gr);
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss/" + forget, f.loss());
        m.put("loss/" + retain, r.loss());
        m.put("grad_norm/" + forget, Math.sqrt(sff));
        m.put("grad_norm/" + retain, Math.sqrt(srr));
        m.put("bilevel/cos", sff == 0 || srr == 0 ? 0.0 : sfr / Math.sqrt(sff * srr));
        return new Direction(d, m);
    }
}
