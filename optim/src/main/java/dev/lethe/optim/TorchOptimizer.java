package dev.lethe.optim;

import dev.lethe.engine.ParameterSet;
import dev.lethe.engine.kernel.Loops;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the torch.optim-style optimizers ({@link AdamW}, {@link Sgd}) share: the learning rate, the step count, and the
 * named per-parameter buffers that form their checkpoint state under torch's names ({@code exp_avg},
 * {@code momentum_buffer}, ...). A buffer is created as zeros on the first step that asks for it; {@link #loadState}
 * restores every buffer that {@link #bufferNames()} lists once at least one step has been taken.
 */
public abstract class TorchOptimizer implements Optimizer {
    private double lr;
    private long steps;
    private final Map<String, ParameterSet> buffers = new LinkedHashMap<>();

    protected TorchOptimizer(double lr) {
        this.lr = lr;
    }

    /** The buffers this optimizer keeps, in checkpoint order (empty when it keeps none). */
    protected abstract List<String> bufferNames();

    /** Buffer {@code name}, created as zeros shaped like {@code params} on first use. */
    protected final ParameterSet buffer(String name, ParameterSet params) {
        return buffers.computeIfAbsent(name, k -> params.zerosLike());
    }

    /** Whether any buffer exists yet (false before the first step and after loading a step-0 state). */
    protected final boolean hasBuffers() {
        return !buffers.isEmpty();
    }

    /** Counts a step and returns its 1-based number. */
    protected final long nextStep() {
        return ++steps;
    }

    @Override
    public final double learningRate() {
        return lr;
    }

    @Override
    public final void setLearningRate(double lr) {
        this.lr = lr;
    }

    @Override
    public final long steps() {
        return steps;
    }

    @Override
    public final Map<String, ParameterSet> state() {
        return new LinkedHashMap<>(buffers);
    }

    @Override
    public final void loadState(ParameterSet params, long steps, Map<String, ParameterSet> state) {
        this.steps = steps;
        buffers.clear();
        if (steps == 0) {
            return;
        }
        for (String name : bufferNames()) {
            ParameterSet saved = state.get(name);
            if (saved == null) {
                throw new IllegalArgumentException("optimizer state after " + steps + " steps has no '" + name
                        + "' (it has " + state.keySet() + "); resume with the optimizer that wrote it");
            }
            buffers.put(name, params.zerosLike().assign(saved));
        }
    }

    /** The fused update loops need each parameter's arrays contiguous and of one dtype. */
    static void requireContiguous(String name, INDArray... arrays) {
        for (INDArray a : arrays) {
            if (!Loops.isContiguous(a) || a.dataType() != arrays[0].dataType()) {
                throw new IllegalArgumentException("optimizer needs contiguous arrays of one dtype at '" + name + "'");
            }
        }
    }
}
