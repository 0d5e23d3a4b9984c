package dev.lethe.optim.rule;

import dev.lethe.engine.ParameterSet;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Weight averaging (arXiv 2502.05374, "WA" in §4.3 of algorithms.md): after the optimizer step that completes step s
 * (1-based), when s ≥ start and (s − start) is a multiple of {@code every}, the running mean
 * θ̄ ← θ̄ + (θ − θ̄)/(n + 1) of the recorded iterates is updated. The direction is the inner rule's, unchanged; at the
 * end of training {@link #finish} (forwarded by any wrapper around this rule) loads θ̄ into the model. θ̄ and n
 * are checkpointed.
 */
public final class WeightAveraging extends RuleWrapper {
    private final long start;
    private final long every;
    private ParameterSet average;
    private long count;

    private WeightAveraging(UpdateRule inner, long start, long every) {
        super(inner);
        this.start = start;
        this.every = every;
    }

    /** Averages the iterates after steps start, start + every, ... (1-based step counts). */
    public static WeightAveraging around(UpdateRule inner, long start, long every) {
        return new WeightAveraging(inner, start, every);
    }

    @Override
    protected GradientOracle wrap(GradientOracle oracle, StepContext ctx, Map<String, Double> metrics) {
        metrics.put("wa/count", (double) count);
        return oracle;
    }

    @Override
    public void afterStep(ParameterSet params, StepContext ctx) {
        super.afterStep(params, ctx);
        long s = ctx.step() + 1;
        if (s < start || (s - start) % every != 0) {
            return;
        }
        if (average == null) {
            average = params.copy();
        } else {
            ParameterSet diff = params.copy().axpy(-1.0, average);
            average.axpy(1.0 / (count + 1), diff); // θ̄ ← θ̄ + (θ − θ̄)/(n + 1)
        }
        count++;
    }

    /** The running mean, or null before the first recorded iterate. */
    public ParameterSet average() {
        return average;
    }

    public long count() {
        return count;
    }

    /** Copies θ̄ into {@code params} (no-op before the first recorded iterate). */
    public void applyTo(ParameterSet params) {
        if (average != null) {
            params.assign(average);
        }
    }

    /** The inner rule finishes first, then the trained parameters are replaced by θ̄ (when one was recorded). */
    @Override
    public void finish(ParameterSet params) {
        super.finish(params);
        applyTo(params);
    }

    @Override
    protected Map<String, INDArray> ownState() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("count", Nd4j.createFromArray(new double[] {count}));
        if (average != null) {
            for (Map.Entry<String, INDArray> e : average) {
                m.put("average." + e.getKey(), e.getValue());
            }
        }
        return m;
    }

    @Override
    protected void loadOwnState(ParameterSet own) {
        count = (long) own.get("count").getDouble(0);
        Map<String, INDArray> avg = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : own) {
            if (e.getKey().startsWith("average.")) {
                avg.put(e.getKey().substring("average.".length()), e.getValue());
            }
        }
        average = count == 0 ? null : ParameterSet.of(avg).copy();
    }
}
