package dev.lethe.optim.rule;

import dev.lethe.engine.ParameterSet;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Base of the rules that wrap another rule: it hands the inner rule a decorated oracle (see {@link #wrap}), merges the
 * metrics, and forwards {@code afterStep}, {@code endEpoch} and the state (under the prefix {@code inner.}). Wrappers
 * that change how chosen objectives are measured extend {@link ObjectiveWrapper}, built on {@link #transform}.
 */
public abstract class RuleWrapper implements UpdateRule {
    protected final UpdateRule inner;

    protected RuleWrapper(UpdateRule inner) {
        this.inner = inner;
    }

    public UpdateRule inner() {
        return inner;
    }

    /** The oracle the inner rule sees this step; evaluation metrics go into {@code metrics}. */
    protected abstract GradientOracle wrap(GradientOracle oracle, StepContext ctx, Map<String, Double> metrics);

    @Override
    public Direction direction(GradientOracle oracle, StepContext ctx) {
        Map<String, Double> mine = new LinkedHashMap<>();
        Direction d = inner.direction(wrap(oracle, ctx, mine), ctx);
        Map<String, Double> all = new LinkedHashMap<>(d.metrics());
        all.putAll(mine);
        return new Direction(d.direction(), all);
    }

    @Override
    public void afterStep(ParameterSet params, StepContext ctx) {
        inner.afterStep(params, ctx);
    }

    @Override
    public void endEpoch(long epoch) {
        inner.endEpoch(epoch);
    }

    @Override
    public void finish(ParameterSet params) {
        inner.finish(params);
    }

    /** This wrapper's own state; none by default. */
    protected Map<String, INDArray> ownState() {
        return Map.of();
    }

    /** Restores this wrapper's own state. */
    protected void loadOwnState(ParameterSet own) {
    }

    @Override
    public ParameterSet state() {
        Map<String, INDArray> m = new LinkedHashMap<>(ownState());
        for (Map.Entry<String, INDArray> e : inner.state()) {
            m.put("inner." + e.getKey(), e.getValue());
        }
        return ParameterSet.of(m);
    }

    @Override
    public void loadState(ParameterSet state) {
        Map<String, INDArray> own = new LinkedHashMap<>();
        Map<String, INDArray> in = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : state) {
            if (e.getKey().startsWith("inner.")) {
                in.put(e.getKey().substring("inner.".length()), e.getValue());
            } else {
                own.put(e.getKey(), e.getValue());
            }
        }
        loadOwnState(ParameterSet.of(own));
        inner.loadState(ParameterSet.of(in));
    }

    /** The chosen objective names, or every objective of the oracle when none were chosen. */
    protected static Set<String> chosen(Collection<String> names, GradientOracle oracle) {
        return names.isEmpty() ? oracle.objectives() : new HashSet<>(names);
    }

    /** An oracle equal to {@code base} except that the {@code names} objectives are evaluated by {@code fn(base, name)}. */
    protected static GradientOracle transform(GradientOracle base, Set<String> names,
            BiFunction<GradientOracle, String, Evaluation> fn) {
        return new GradientOracle() {
            @Override
            public ParameterSet parameters() {
                return base.parameters();
            }

            @Override
            public Set<String> objectives() {
                return base.objectives();
            }

            @Override
            public Evaluation evaluate(String objective) {
                return names.contains(objective) ? fn.apply(base, objective) : base.evaluate(objective);
            }
        };
    }
}
