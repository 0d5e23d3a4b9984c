package dev.lethe.optim.rule;

import dev.lethe.engine.ParameterSet;
import java.util.List;
import java.util.Set;

/**
 * Gradient accumulation as an oracle: the losses and gradients of k micro-batch oracles (over the same parameters)
 * are averaged, so that every rule sees the full-batch gradient of each objective before combining them (the
 * nonlinear rules, such as BLUR's projection, then act on accumulated gradients, not per micro-batch).
 */
public final class AccumulatingOracle implements GradientOracle {
    private final List<GradientOracle> micro;

    public AccumulatingOracle(List<GradientOracle> micro) {
        if (micro.isEmpty()) {
            throw new IllegalArgumentException("need at least one micro-batch oracle");
        }
        this.micro = List.copyOf(micro);
    }

    @Override
    public ParameterSet parameters() {
        return micro.get(0).parameters();
    }

    @Override
    public Set<String> objectives() {
        return micro.get(0).objectives();
    }

    @Override
    public Evaluation evaluate(String objective) {
        double loss = 0;
        ParameterSet sum = null;
        for (GradientOracle o : micro) {
            Evaluation e = o.evaluate(objective);
            loss += e.loss();
            sum = sum == null ? e.gradient() : sum.axpy(1.0, e.gradient());
        }
        int k = micro.size();
        return new Evaluation(loss / k, k == 1 ? sum : sum.scale(1.0 / k));
    }
}
