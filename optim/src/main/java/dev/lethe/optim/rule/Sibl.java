package dev.lethe.optim.rule;

import dev.lethe.engine.ParameterSet;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * SIBL, sparse bilevel augmented Lagrangian (open-unlearning PR #159; algorithms.md 5.15.2; no paper verified). A mask
 * M (1 = may change) keeps, in every weight matrix, the entries whose magnitude reaches the {@code sparsity}-quantile
 * of that matrix; vectors are all ones. Each step: K inner steps θ ← θ − η_in·M⊙∇L_in on the step's retain batch with
 * L_in = L_r + γ₁·Σ|M⊙θ|; then with r = L_r − ε, g = ∇L_f + λ·∇L_r (the code's gradient of L_f + λL_r + (ρ/2)r², whose
 * r² term is a constant there); the implicit correction solves (M H_in M) h = M⊙∇L_in by conjugate gradient and
 * g ← g − H_AL·h (H_in = ∇²L_r: the L1 term has no curvature almost everywhere; H_AL = ∇²L_f + λ∇²L_r), all Hessian
 * products by finite differences of gradients ({@link Hvp}); the direction is M⊙g and the dual ascends,
 * λ ← max(0, λ + ρ·r). The outer step is the run's optimizer's (open-unlearning's is plain SGD).
 */
public final class Sibl implements UpdateRule {
    /** SIBL's settings (open-unlearning defaults in parentheses). */
    public record Settings(double sparsity, double epsilon, int innerSteps, double innerLr, double rho, double l1,
                           boolean implicit, int cgIters, double cgTol, double fdStep) {
        public Settings {
            if (!(sparsity >= 0 && sparsity < 1)) {
                throw new IllegalArgumentException("SIBL's sparsity must be in [0, 1), got " + sparsity);
            }
            if (innerSteps < 0 || cgIters < 1 || !(rho >= 0) || !(innerLr >= 0) || !(l1 >= 0) || !(fdStep > 0)) {
                throw new IllegalArgumentException("SIBL needs inner_steps >= 0, cg_iters >= 1, rho, inner_lr, l1 >= 0"
                        + " and fd_step > 0");
            }
        }

        /** sparsity 0.9, ε 0.1, K 10, η_in 1e-4, ρ 1, γ₁ 1e-4, implicit, 10 CG iterations, tolerance 1e-3. */
        public static Settings defaults() {
            return new Settings(0.9, 0.1, 10, 1e-4, 1.0, 1e-4, true, 10, 1e-3, 1e-3);
        }
    }

    private final Settings s;
    private final String forget;
    private final String retain;
    private double lambda;
    private ParameterSet mask;

    public Sibl(Settings s, String forget, String retain) {
        this.s = s;
        this.forget = forget;
        this.retain = retain;
    }

    public Sibl(Settings s) {
        this(s, "forget", "retain");
    }

    public double lambda() {
        return lambda;
    }

    /** The mask (null before the first step). */
    public ParameterSet mask() {
        return mask;
    }

    /** Per matrix: 1 where |w| ≥ the q-quantile of |W| (linear interpolation, as torch.quantile); vectors: all ones. */
    public static ParameterSet layerwiseMagnitude(ParameterSet theta, double q) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : theta) {
            INDArray w = e.getValue();
            if (w.rank() < 2) {
                m.put(e.getKey(), Nd4j.onesLike(w));
                continue;
            }
            double[] v = Transforms.abs(w, true).reshape(w.length()).toDoubleVector();
            java.util.Arrays.sort(v);
            double pos = q * (v.length - 1);
            int lo = (int) Math.floor(pos);
            int hi = Math.min(v.length - 1, lo + 1);
            double thr = v[lo] + (pos - lo) * (v[hi] - v[lo]);
            m.put(e.getKey(), Transforms.abs(w, true).gte(thr).castTo(w.dataType()));
        }
        return ParameterSet.of(m);
    }

    private ParameterSet masked(ParameterSet x) {
        for (Map.Entry<String, INDArray> e : x) {
            e.getValue().muli(mask.get(e.getKey()));
        }
        return x;
    }

    /** M ⊙ ∇L_in = M ⊙ (∇L_r + γ₁·M⊙sign(θ)); consumes {@code gr}. */
    private ParameterSet innerGradient(ParameterSet gr, ParameterSet theta) {
        for (Map.Entry<String, INDArray> e : theta) {
            gr.get(e.getKey()).addi(Transforms.sign(e.getValue(), true).muli(mask.get(e.getKey())).muli(s.l1()));
        }
        return masked(gr);
    }

    @Override
    public Direction direction(GradientOracle oracle, StepContext ctx) {
        ParameterSet theta = oracle.parameters();
        if (mask == null) {
            mask = layerwiseMagnitude(theta, s.sparsity());
        }
        for (int k = 0; k < s.innerSteps(); k++) { // θ ← θ − η_in M⊙∇L_in
            theta.axpy(-s.innerLr(), innerGradient(oracle.evaluate(retain).gradient(), theta));
        }
        Evaluation f = oracle.evaluate(forget);
        Evaluation r = oracle.evaluate(retain);
        double violation = r.loss() - s.epsilon(); // r = L_r − ε
        ParameterSet g = f.gradient().copy().axpy(lambda, r.gradient()); // ∇L_f + λ∇L_r
        Map<String, Double> m = new LinkedHashMap<>();
        if (s.implicit()) {
            ParameterSet v = innerGradient(r.gradient().copy(), theta);
            ConjugateGradient.Result h = ConjugateGradient.solve(
                    x -> masked(Hvp.along(oracle, retain, r.gradient(), masked(x.copy()), s.fdStep())), v, s.cgIters(),
                    s.cgTol());
            ParameterSet hAl = Hvp.along(oracle, forget, f.gradient(), h.x(), s.fdStep())
                    .axpy(lambda, Hvp.along(oracle, retain, r.gradient(), h.x(), s.fdStep()));
            g.axpy(-1.0, hAl); // g − H_AL h
            m.put("sibl/cg_iters", (double) h.iterations());
            m.put("sibl/cg_residual", h.relativeResidual());
        }
        m.put("loss/" + forget, f.loss());
        m.put("loss/" + retain, r.loss());
        m.put("sibl/lambda", lambda);
        m.put("sibl/violation", violation);
        lambda = Math.max(0, lambda + s.rho() * violation); // dual ascent
        return new Direction(masked(g), m);
    }

    @Override
    public ParameterSet state() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("lambda", Nd4j.createFromArray(new double[] {lambda}));
        if (mask != null) {
            for (Map.Entry<String, INDArray> e : mask) {
                m.put("mask." + e.getKey(), e.getValue());
            }
        }
        return ParameterSet.of(m);
    }

    @Override
    public void loadState(ParameterSet state) {
        Map<String, INDArray> msk = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : state) {
            if (e.getKey().equals("lambda")) {
                lambda = e.getValue().getDouble(0);
            } else {
                msk.put(e.getKey().substring("mask.".length()), e.getValue().dup());
            }
        }
        mask = msk.isEmpty() ? null : ParameterSet.of(msk);
    }
}
