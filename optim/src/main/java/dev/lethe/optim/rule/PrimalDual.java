package dev.lethe.optim.rule;

import dev.lethe.engine.ParameterSet;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Primal-dual unlearning (PDU, arXiv 2506.05314): minimise L_f subject to L_r ≤ ε through the Lagrangian
 * 𝓛(θ, λ) = γ·L_f + λ·(L_r − ε). The primal direction is ∇_θ𝓛 = γ·g_f + λ·g_r with the current λ; the dual step is
 * projected ascent λ ← max(0, λ + η·(L_r − ε)), taken right after on the same batch's retain loss ({@link Mode#STEP},
 * as in the open-unlearning code: simultaneous gradient descent-ascent) or at the end of each epoch
 * ({@link Mode#EPOCH}) on the mean retain loss of that epoch's steps; the official code instead re-evaluates the whole
 * retain set, which a caller can do and pass to {@link #dualStep}. During the first {@code warmupEpochs} epochs λ stays
 * at λ0. λ is logged as {@code lambda} and checkpointed.
 */
public final class PrimalDual implements UpdateRule {
    /** When the dual variable moves. */
    public enum Mode { STEP, EPOCH }

    private final double gamma;
    private final double epsilon;
    private final double eta;
    private final Mode mode;
    private final long warmupEpochs;
    private final String forget;
    private final String retain;
    private double lambda;
    private double epochRetainSum;
    private long epochRetainCount;

    public PrimalDual(double gamma, double epsilon, double lambda0, double eta, Mode mode, long warmupEpochs,
            String forget, String retain) {
        this.gamma = gamma;
        this.epsilon = epsilon;
        this.lambda = lambda0;
        this.eta = eta;
        this.mode = mode;
        this.warmupEpochs = warmupEpochs;
        this.forget = forget;
        this.retain = retain;
    }

    /** Objectives "forget" and "retain". */
    public PrimalDual(double gamma, double epsilon, double lambda0, double eta, Mode mode, long warmupEpochs) {
        this(gamma, epsilon, lambda0, eta, mode, warmupEpochs, "forget", "retain");
    }

    /** γ = 1, objectives "forget" and "retain". */
    public PrimalDual(double epsilon, double lambda0, double eta, Mode mode, long warmupEpochs) {
        this(1.0, epsilon, lambda0, eta, mode, warmupEpochs, "forget", "retain");
    }

    public double lambda() {
        return lambda;
    }

    @Override
    public Direction direction(GradientOracle oracle, StepContext ctx) {
        Evaluation f = oracle.evaluate(forget);
        Evaluation r = oracle.evaluate(retain);
        double violation = r.loss() - epsilon;
        double gfNorm = f.gradient().norm();
        double grNorm = r.gradient().norm();
        double lagrangian = gamma * f.loss() + lambda * violation;
        ParameterSet d = f.gradient().scale(gamma).axpy(lambda, r.gradient()); // ∇θ𝓛 = γ g_f + λ g_r
        if (mode == Mode.STEP && ctx.epoch() >= warmupEpochs) {
            dualStep(r.loss());
        }
        epochRetainSum += r.loss();
        epochRetainCount++;
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss/" + forget, f.loss());
        m.put("loss/" + retain, r.loss());
        m.put("grad_norm/" + forget, gfNorm);
        m.put("grad_norm/" + retain, grNorm);
        m.put("lambda", lambda);
        m.put("primal_dual/violation", violation);
        m.put("primal_dual/lagrangian", lagrangian);
        return new Direction(d, m);
    }

    /** The projected dual ascent step λ ← max(0, λ + η·(L_r − ε)) for a measured retain loss L_r. */
    public void dualStep(double retainLoss) {
        lambda = Math.max(0.0, lambda + eta * (retainLoss - epsilon));
    }

    @Override
    public void endEpoch(long epoch) {
        if (mode == Mode.EPOCH && epoch + 1 >= warmupEpochs && epochRetainCount > 0) {
            dualStep(epochRetainSum / epochRetainCount);
        }
        epochRetainSum = 0;
        epochRetainCount = 0;
    }

    @Override
    public ParameterSet state() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("lambda", Nd4j.createFromArray(new double[] {lambda}));
        m.put("epoch_retain_sum", Nd4j.createFromArray(new double[] {epochRetainSum}));
        m.put("epoch_retain_count", Nd4j.createFromArray(new double[] {epochRetainCount}));
        return ParameterSet.of(m);
    }

    @Override
    public void loadState(ParameterSet state) {
        lambda = state.get("lambda").getDouble(0);
        epochRetainSum = state.get("epoch_retain_sum").getDouble(0);
        epochRetainCount = (long) state.get("epoch_retain_count").getDouble(0);
    }
}
