package dev.lethe.engine;

import dev.lethe.engine.kernel.Loops;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A value (an ND4J {@link INDArray}) with an optional gradient. Leaves are created by the user (parameters, inputs);
 * every other tensor is produced by an op on a {@link Tape}, which owns its buffers and records how to propagate
 * gradients back to the leaves. Values are never modified in place by ops, so any tensor may be reused freely until
 * the tape that produced it is closed. A leaf's gradient is a persistent, zero-initialised c-order array of the same
 * shape that {@link Tape#backward} accumulates into; {@link #zeroGrad()} resets it.
 */
public final class Tensor {
    private final INDArray value;
    private boolean requiresGrad;
    private final Tape producer;
    private INDArray grad;
    private String name;

    Tensor(INDArray value, boolean requiresGrad, Tape producer) {
        this.value = value;
        this.requiresGrad = requiresGrad;
        this.producer = producer;
    }

    /** A leaf that collects gradients (a trainable parameter or an input whose gradient is wanted). */
    public static Tensor parameter(INDArray value) {
        return new Tensor(value, true, null);
    }

    /** A named leaf that collects gradients. */
    public static Tensor parameter(String name, INDArray value) {
        Tensor t = new Tensor(value, true, null);
        t.name = name;
        return t;
    }

    /** A leaf that never collects gradients (data, masks, frozen weights). */
    public static Tensor constant(INDArray value) {
        return new Tensor(value, false, null);
    }

    /** A float32/float64 constant from Java values, with the given shape (row-major). */
    public static Tensor constant(DataType dtype, double[] data, long... shape) {
        return constant(Nd4j.createFromArray(data).castTo(dtype).reshape('c', shape));
    }

    public INDArray value() {
        return value;
    }

    /** The accumulated gradient, or null when none has been computed yet. */
    public INDArray grad() {
        return grad;
    }

    void setGrad(INDArray grad) {
        this.grad = grad;
    }

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /**
     * Freezes (false) or unfreezes (true) a leaf: a frozen leaf is treated as a constant by every op, so no gradient
     * is computed for it (e.g. RMU trains three down-projections and nothing else). Op outputs cannot be changed.
     */
    public Tensor requiresGrad(boolean on) {
        if (producer != null) {
            throw new IllegalStateException("only leaves can be frozen or unfrozen; " + this + " is an op output");
        }
        this.requiresGrad = on;
        return this;
    }

    /** True for user-created tensors (parameters, constants), false for op outputs. */
    public boolean isLeaf() {
        return producer == null;
    }

    /** The tape whose buffers hold this tensor's value, or null for a leaf. */
    public Tape producer() {
        return producer;
    }

    /** Optional name (Hugging Face parameter name for parameters). */
    public String name() {
        return name;
    }

    public Tensor named(String newName) {
        this.name = newName;
        return this;
    }

    /** Resets a leaf's gradient to zero (keeps the buffer). */
    public void zeroGrad() {
        if (grad != null) {
            Loops.zero(grad);
        }
    }

    /** Drops a leaf's gradient buffer. */
    public void clearGrad() {
        grad = null;
    }

    public long[] shape() {
        return value.shape();
    }

    public int rank() {
        return value.rank();
    }

    /** Size of dimension {@code axis}; negative axes count from the end. */
    public long size(int axis) {
        return value.size(axis < 0 ? axis + value.rank() : axis);
    }

    public long length() {
        return value.length();
    }

    public DataType dtype() {
        return value.dataType();
    }

    /** The single value of a one-element tensor. */
    public double item() {
        if (value.length() != 1) {
            throw new IllegalStateException("item() needs a one-element tensor, shape is " + Arrays.toString(shape()));
        }
        return value.getDouble(0);
    }

    @Override
    public String toString() {
        return "Tensor" + (name == null ? "" : "(" + name + ")") + Arrays.toString(shape()) + " " + dtype()
                + (requiresGrad ? " requiresGrad" : "");
    }
}
