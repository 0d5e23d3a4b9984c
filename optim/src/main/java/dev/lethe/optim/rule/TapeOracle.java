package dev.lethe.optim.rule;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.ParameterSet;
import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The standard {@link GradientOracle}: each objective is a function that records its scalar loss on a fresh tape
 * (closing over the batch and the model); evaluating it runs forward and backward and copies the trainable tensors'
 * gradients into a new set. Only {@code trainable} tensors are reported; make frozen weights constants (or ignore
 * their gradients). Tape buffers come from {@code pool} and are recycled after each evaluation.
 */
public final class TapeOracle implements GradientOracle {
    /**
     * A scalar loss recorded on the given tape, closing over its batch and model (in unlearning, a bound
     * {@code unlearn.objective.Objective}; this optim type knows nothing of objectives' meaning).
     */
    @FunctionalInterface
    public interface TapeLoss {
        Tensor loss(Tape tape);
    }

    private final List<Tensor> trainable;
    private final ParameterSet params;
    private final Map<String, TapeLoss> objectives;
    private final BufferPool pool;

    public TapeOracle(List<Tensor> trainable, Map<String, TapeLoss> objectives, BufferPool pool) {
        this.trainable = List.copyOf(trainable);
        this.params = ParameterSet.values(trainable);
        this.objectives = new LinkedHashMap<>(objectives);
        this.pool = pool;
    }

    @Override
    public ParameterSet parameters() {
        return params;
    }

    @Override
    public Set<String> objectives() {
        return Collections.unmodifiableSet(objectives.keySet());
    }

    @Override
    public Evaluation evaluate(String objective) {
        TapeLoss fn = objectives.get(objective);
        if (fn == null) {
            throw new IllegalArgumentException("no objective named '" + objective + "'; have " + objectives.keySet());
        }
        for (Tensor t : trainable) {
            t.zeroGrad();
        }
        try (Tape tape = Tape.recording(pool)) {
            Tensor loss = fn.loss(tape);
            double value = loss.item();
            tape.backward(loss);
            return new Evaluation(value, ParameterSet.gradients(trainable).copy());
        }
    }
}
