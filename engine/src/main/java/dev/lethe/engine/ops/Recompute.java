package dev.lethe.engine.ops;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.kernel.Loops;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Activation recomputation (gradient checkpointing, arXiv 1604.06174 section 3): a block y = f(x; θ) runs forward on
 * a no-grad tape, so only its input and output stay in memory; backward runs f again on a recording tape and
 * back-propagates the output gradient through it, accumulating into θ's gradients and x's. Peak memory for a stack of
 * n blocks drops from n blocks' intermediates to one block's, for one extra forward per block. The recomputed forward
 * repeats the same ops on the same values, so gradients are bit-identical to the plain graph's; f must be
 * deterministic (no fresh random draws).
 */
public final class Recompute {
    /** A block of ops over one input tensor, recorded on the tape it is given. */
    @FunctionalInterface
    public interface Block {
        Tensor apply(Tape tape, Tensor x);
    }

    private Recompute() {
    }

    /**
     * y = block(x), keeping no intermediates. {@code params} are the leaves the block reads that may want gradients
     * (they decide, with x, whether anything is recorded).
     */
    public static Tensor apply(Tape tape, Tensor x, List<Tensor> params, Block block) {
        Tensor[] inputs = new Tensor[params.size() + 1];
        inputs[0] = x;
        for (int i = 0; i < params.size(); i++) {
            inputs[i + 1] = params.get(i);
        }
        if (!tape.needsGrad(inputs)) {
            return block.apply(tape, x);
        }
        INDArray out;
        try (Tape forward = Tape.inference(tape.pool())) {
            INDArray y = block.apply(forward, x).value();
            out = tape.allocate(y.dataType(), y.shape());
            Loops.copy(y, out);
        }
        return tape.record(out, g -> {
            Tensor xi = x.requiresGrad() ? Tensor.parameter(x.value()) : Tensor.constant(x.value());
            try (Tape again = Tape.recording(tape.pool())) {
                Tensor y = block.apply(again, xi);
                if (y.requiresGrad()) {
                    again.backward(y, g);
                }
            }
            if (xi.grad() != null) {
                Loops.accumulate(tape.gradFor(x), xi.grad(), 1.0);
            }
        }, inputs);
    }
}
