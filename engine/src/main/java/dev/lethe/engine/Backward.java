package dev.lethe.engine;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The hand-written backward rule of one recorded op: given the gradient of the loss with respect to the op's output,
 * add the gradients with respect to its inputs into {@link Tape#gradFor(Tensor)} buffers (accumulate, never
 * overwrite: an input may feed several ops).
 */
@FunctionalInterface
public interface Backward {
    void apply(INDArray gradOutput);
}
