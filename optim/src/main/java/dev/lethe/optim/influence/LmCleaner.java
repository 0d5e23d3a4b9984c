package dev.lethe.optim.influence;

import dev.lethe.engine.ParameterSet;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.optim.Rng;
import dev.lethe.optim.rule.Evaluation;
import dev.lethe.optim.rule.GradientOracle;
import dev.lethe.optim.rule.Hvp;
import dev.lethe.optim.train.StepRecord;
import dev.lethe.optim.train.StepRecords;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * LMCleaner, online unlearning by truncated influence propagation (open-unlearning's LMCleaner; its paper's arXiv id
 * was not found; algorithms.md 5.15.6). The batch seen at step t_z moved θ by u[t_z]; under SGD every later step s maps
 * a perturbation v to (I − η_s H_s) v, so its influence on today's θ is estimated by propagating v = −u[t_z] over at
 * most K later steps:
 * <pre>
 *   v ← −u[t_z];   for s = t_z+1 … min(t_z+K, τ):  v ← (1 − η_s λ)·(v − η_s H_s v);   θ ← θ + v + N(0, σ²I)
 * </pre>
 * with τ the last recorded step, λ a damping (0 in the paper), H_s the loss Hessian of step s's batch taken at the
 * historical parameters θ_s = θ − Σ_{t=s}^{τ} u[t] (the Fisher g_s g_sᵀ, or the Hessian by finite differences of
 * gradients), and σ = (Δ/ε)·√(2 ln(1.25/δ)) when ε > 0 (Δ = ‖v‖ unless a sensitivity is given; not a proven bound).
 * Several batches are removed in ascending step order, each correction applied before the next is propagated. The
 * whole batch is reverted, including records that only shared it with a forget record.
 */
public final class LmCleaner {
    /** How H_s v is computed: the rank-one Fisher g (gᵀv), or the loss Hessian by finite differences of gradients. */
    public enum Curvature { FISHER, HESSIAN }

    /** Truncation K, curvature, damping λ, privacy ε (0 = no noise) and δ, sensitivity Δ (0 = ‖v‖), FD step, seed. */
    public record Settings(int truncation, Curvature curvature, double damping, double epsilon, double delta,
                           double sensitivity, double fdStep, long seed) {
        public Settings {
            if (truncation < 0) {
                throw new IllegalArgumentException("LMCleaner's truncation K must be >= 0, got " + truncation);
            }
            if (!(damping >= 0) || !(epsilon >= 0) || !(sensitivity >= 0) || !(fdStep > 0)) {
                throw new IllegalArgumentException("LMCleaner needs damping, epsilon, sensitivity >= 0 and fd_step > 0");
            }
            if (epsilon > 0 && !(delta > 0 && delta < 1)) {
                throw new IllegalArgumentException("LMCleaner's delta must be in (0, 1) when epsilon > 0, got " + delta);
            }
        }
    }

    /** Builds the oracle of a recorded step's batch; its {@code parameters()} are the live θ. */
    @FunctionalInterface
    public interface StepOracles {
        GradientOracle at(StepRecord record);
    }

    /** One removal: the step, the steps it was propagated over, ‖v‖ before noise, σ, HVPs taken, and v itself. */
    public record Correction(long step, long lastRecorded, int stepsPropagated, double vNorm, double noiseSigma,
                             int hvpCalls, long wallTimeMs, ParameterSet v) {
    }

    private final StepRecords records;
    private final StepOracles oracles;
    private final String objective;
    private final ParameterSet theta;
    private final Settings s;

    /** {@code theta} is the live parameter set the oracles evaluate at (views of the model). */
    public LmCleaner(StepRecords records, StepOracles oracles, String objective, ParameterSet theta, Settings s) {
        this.records = records;
        this.oracles = oracles;
        this.objective = objective;
        this.theta = theta;
        this.s = s;
    }

    /** The steps whose batches held any of {@code ids}, ascending (only steps still in the buffer are seen). */
    public List<Long> stepsSeeing(long[] ids) {
        TreeSet<Long> z = new TreeSet<>();
        for (long step : records.steps()) {
            StepRecord r = records.header(step);
            for (long id : ids) {
                if (r.saw(id)) {
                    z.add(step);
                }
            }
        }
        return new ArrayList<>(z);
    }

    /** Removes the batches of {@code steps} from θ in ascending order; returns one correction per step. */
    public List<Correction> remove(List<Long> steps) {
        List<Correction> out = new ArrayList<>();
        for (long tz : new TreeSet<>(steps)) {
            Correction c = correction(tz);
            theta.axpy(1.0, c.v()); // θ ← θ + v
            out.add(c);
        }
        return out;
    }

    /** The correction v for the batch of step {@code tz} at the current θ (θ is unchanged on return). */
    public Correction correction(long tz) {
        long t0 = System.nanoTime();
        List<Long> have = records.steps();
        long tau = have.get(have.size() - 1);
        ParameterSet v = records.read(tz).update().copy().scale(-1.0); // v = −u[t_z]
        long last = Math.min(tz + (long) s.truncation(), tau);
        int hvps = 0;
        if (last > tz) {
            ParameterSet now = theta.copy();
            try {
                for (long t = tz + 1; t <= tau; t++) { // θ_{t_z+1} = θ − Σ_{t=t_z+1}^{τ} u[t]
                    theta.axpy(-1.0, records.read(t).update());
                }
                for (long st = tz + 1; st <= last; st++) {
                    StepRecord r = records.read(st);
                    ParameterSet hv = hvp(oracles.at(r), v); // H_s v at θ_s
                    hvps++;
                    v.axpy(-r.lr(), hv).scale(1 - r.lr() * s.damping()); // v ← (1 − η_s λ)(v − η_s H_s v)
                    theta.axpy(1.0, r.update()); // θ_{s+1} = θ_s + u[s]
                }
            } finally {
                theta.assign(now);
            }
        }
        double norm = v.norm();
        double sigma = 0;
        if (s.epsilon() > 0) { // σ = (Δ/ε) √(2 ln(1.25/δ))
            double sens = s.sensitivity() > 0 ? s.sensitivity() : norm;
            sigma = sens / s.epsilon() * Math.sqrt(2 * Math.log(1.25 / s.delta()));
            addNoise(v, sigma, new Rng(s.seed() * 1_000_003L + tz));
        }
        return new Correction(tz, tau, (int) (last - tz), norm, sigma, hvps, (System.nanoTime() - t0) / 1_000_000, v);
    }

    private ParameterSet hvp(GradientOracle oracle, ParameterSet v) {
        Evaluation e = oracle.evaluate(objective);
        ParameterSet g = e.gradient();
        return switch (s.curvature()) {
            case FISHER -> g.copy().scale(g.dot(v)); // g (gᵀ v)
            case HESSIAN -> Hvp.along(oracle, objective, g, v, s.fdStep());
        };
    }

    private static void addNoise(ParameterSet v, double sigma, Rng rng) {
        for (Map.Entry<String, INDArray> e : v) {
            Buf b = Buf.of(e.getValue());
            for (int i = 0; i < e.getValue().length(); i++) {
                b.set(i, b.get(i) + sigma * rng.nextGaussian());
            }
        }
    }
}
