package dev.lethe.unlearn.objective;

import dev.lethe.engine.Tensor;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.unlearn.data.QaRecord;
import java.io.IOException;
import java.util.List;

/**
 * A scalar loss of the model on one step's batches, recorded on the step's tape so its gradient can be taken. Every
 * objective is one short class whose code follows its paper's equation (arXiv id and equation in a one-line comment),
 * with open-unlearning's conventions (algorithms.md section 5) unless an option names another variant.
 */
public interface Objective {
    /** Short name used in logs and recipes, e.g. "npo". */
    String name();

    /** The loss as a one-element tensor on {@code ctx.tape()}. */
    Tensor loss(LossContext ctx);

    /** What an objective may read once before training (the model as it starts, the forget records). */
    record Preparation(CausalLM model, Tokenizer tokenizer, List<QaRecord> forget) {
    }

    /** Called once before training, for objectives that derive constants from data (LUNAR's direction). */
    default void prepare(Preparation p) throws IOException {
    }

    /** True when the objective reads the frozen reference model. */
    default boolean needsReference() {
        return false;
    }
}
