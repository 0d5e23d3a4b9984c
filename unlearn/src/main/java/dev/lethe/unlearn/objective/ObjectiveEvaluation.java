package dev.lethe.unlearn.objective;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.unlearn.data.Batch;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Evaluates one objective on given batches: its value and the gradient of every trainable parameter (the engine of
 * {@code lethe check-objective}, the parity tool for every objective). The model's gradients are reset first; the
 * returned gradients are copies.
 */
public final class ObjectiveEvaluation {
    /** The loss and gradients by parameter name. */
    public record Result(double loss, Map<String, INDArray> gradients) {
    }

    private ObjectiveEvaluation() {
    }

    public static Result evaluate(Objective objective, CausalLM model, CausalLM reference, Map<String, Batch> batches) {
        for (Tensor p : model.parameters().values()) {
            p.clearGrad();
        }
        try (Tape tape = Tape.recording(new BufferPool())) {
            LossContext ctx = new LossContext(tape, model, reference, batches);
            Tensor loss = objective.loss(ctx);
            double value = loss.item();
            if (!Double.isFinite(value)) {
                throw new ArithmeticException(objective.name() + " is " + value + " on these batches");
            }
            tape.backward(loss);
            Map<String, INDArray> grads = new LinkedHashMap<>();
            model.parameters().forEach((n, p) -> grads.put(n, p.grad() == null
                    ? org.nd4j.linalg.factory.Nd4j.zeros(p.dtype(), p.shape()) : p.grad().dup()));
            return new Result(value, grads);
        }
    }
}
