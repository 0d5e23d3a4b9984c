package dev.lethe.optim.rule;

import dev.lethe.engine.ParameterSet;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.optim.Rng;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Randomized smoothing of chosen objectives (arXiv 2502.05374, "RS" in §4.3 of algorithms.md): the inner rule sees the
 * Monte-Carlo gradient and loss of the smoothed objective E_ξ[L(θ + ξ)], ξ ~ N(0, σ²I), i.e.
 * g = (1/n) Σ_i ∇L(θ + ξ_i). The noise comes from the run's checkpointed {@link Rng}, so runs are reproducible.
 */
public final class RandomizedSmoothing extends ObjectiveWrapper {
    private final double sigma;
    private final int samples;

    private RandomizedSmoothing(UpdateRule inner, double sigma, int samples, String... objectives) {
        super(inner, objectives);
        this.sigma = sigma;
        this.samples = samples;
    }

    /** Smoothing with standard deviation σ and n samples on the named objectives (all when none are named). */
    public static RandomizedSmoothing around(UpdateRule inner, double sigma, int samples, String... objectives) {
        return new RandomizedSmoothing(inner, sigma, samples, objectives);
    }

    @Override
    protected Evaluation evaluate(GradientOracle base, String name, StepContext ctx, Map<String, Double> metrics) {
        ParameterSet noise = base.parameters().zerosLike();
        ParameterSet sum = null;
        double loss = 0;
        for (int i = 0; i < samples; i++) {
            fillGaussian(noise, sigma, ctx.rng()); // ξ_i ~ N(0, σ² I)
            Evaluation e = base.evaluateAt(noise, name);
            loss += e.loss();
            sum = sum == null ? e.gradient() : sum.axpy(1.0, e.gradient());
        }
        return new Evaluation(loss / samples, sum.scale(1.0 / samples)); // (1/n) Σ ∇L(θ + ξ_i)
    }

    static void fillGaussian(ParameterSet set, double sigma, Rng rng) {
        for (Map.Entry<String, INDArray> e : set) {
            Buf b = Buf.of(e.getValue());
            int n = (int) e.getValue().length();
            for (int i = 0; i < n; i++) {
                b.set(i, sigma * rng.nextGaussian());
            }
        }
    }
}
