package dev.lethe.engine;

import dev.lethe.engine.kernel.Loops;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Records ops for reverse-mode differentiation and owns the buffers of everything computed on it.
 *
 * <p>Ops (see the classes in {@code dev.lethe.engine.ops}) take a tape as their first argument, allocate their outputs
 * through {@link #allocate}, and register a {@link Backward} rule with {@link #record}. {@link #backward(Tensor)}
 * walks the recorded ops in reverse and accumulates gradients into the leaves' {@link Tensor#grad()} buffers.
 * {@link #close()} hands every buffer back to the {@link BufferPool}, so a loop that opens one tape per step reuses
 * the same memory each step; tensors produced by a closed tape must not be used any more. A tape made with
 * {@link #inference} records nothing (the no-grad scope) but still owns and recycles its buffers.
 */
public final class Tape implements AutoCloseable {
    private record Node(Tensor output, Backward rule) {
    }

    private final BufferPool pool;
    private final boolean recording;
    private final List<Node> nodes = new ArrayList<>();
    private final List<INDArray> owned = new ArrayList<>();
    private final Map<Tensor, INDArray> grads = new IdentityHashMap<>();
    /** The output whose backward rule is running (its gradient is dead once the rule returns). */
    private Tensor propagating;
    private boolean closed;

    private Tape(BufferPool pool, boolean recording) {
        this.pool = pool;
        this.recording = recording;
    }

    /** A tape that records ops for {@link #backward}, drawing buffers from {@code pool}. */
    public static Tape recording(BufferPool pool) {
        return new Tape(pool, true);
    }

    /** A recording tape with a private pool (buffers are recycled only within this tape's life). */
    public static Tape recording() {
        return new Tape(new BufferPool(), true);
    }

    /** A no-grad tape: ops compute values only, nothing is recorded. */
    public static Tape inference(BufferPool pool) {
        return new Tape(pool, false);
    }

    /** A no-grad tape with a private pool. */
    public static Tape inference() {
        return new Tape(new BufferPool(), false);
    }

    public boolean isRecording() {
        return recording;
    }

    public BufferPool pool() {
        return pool;
    }

    /** A c-order array owned by this tape, contents undefined. */
    public INDArray allocate(DataType dtype, long... shape) {
        checkOpen();
        INDArray flat = pool.take(dtype, shape);
        owned.add(flat);
        return shape.length == 1 && shape[0] == flat.length() ? flat : flat.reshape('c', shape);
    }

    /** A zero-filled c-order array owned by this tape. */
    public INDArray zeros(DataType dtype, long... shape) {
        INDArray a = allocate(dtype, shape);
        Loops.zero(a);
        return a;
    }

    /** True when an op over these inputs must be recorded (the tape records and some input wants a gradient). */
    public boolean needsGrad(Tensor... inputs) {
        if (!recording) {
            return false;
        }
        for (Tensor t : inputs) {
            if (t != null && t.requiresGrad()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Wraps an op's output value, which must have been allocated on this tape (or be a view of such a buffer or of an
     * input), and records {@code rule} when {@link #needsGrad} holds for {@code inputs}.
     */
    public Tensor record(INDArray value, Backward rule, Tensor... inputs) {
        checkOpen();
        boolean track = needsGrad(inputs);
        Tensor out = new Tensor(value, track, this);
        if (track) {
            nodes.add(new Node(out, rule));
        }
        return out;
    }

    /** An output that no gradient flows through. */
    public Tensor constant(INDArray value) {
        checkOpen();
        return new Tensor(value, false, this);
    }

    /**
     * The gradient buffer of {@code t} for backward rules to accumulate into: the leaf's persistent gradient (created
     * zero-filled on first use), or a zero-filled tape buffer for intermediate tensors.
     */
    public INDArray gradFor(Tensor t) {
        if (t.isLeaf()) {
            INDArray g = t.grad();
            if (g == null) {
                g = Nd4j.zeros(t.dtype(), t.shape());
                t.setGrad(g);
            }
            return g;
        }
        INDArray g = grads.get(t);
        if (g == null) {
            g = zeros(t.dtype(), t.shape());
            grads.put(t, g);
        }
        return g;
    }

    /**
     * Adds g to t's gradient, for rules whose input gradient is the output gradient itself, possibly reshaped
     * (additions: residual connections; reshapes). g has t's shape. Where t is an intermediate tensor without a
     * gradient yet, nothing is zero-filled and added to: the first such input of the running rule takes over the
     * rule's gradient buffer when g is (a contiguous reshape of) it, since the tape no longer needs it once the rule
     * returns (no copy at all), and otherwise t gets a copy. Leaves, broadcast inputs and gradients already started
     * accumulate as {@link #gradFor} buffers do.
     */
    public void addToGrad(Tensor t, INDArray g) {
        boolean fresh = !t.isLeaf() && !grads.containsKey(t) && g.dataType() == t.dtype()
                && java.util.Arrays.equals(g.shape(), t.shape());
        if (fresh && isPropagatingGradient(g)) {
            grads.remove(propagating);
            grads.put(t, g);
        } else if (fresh) {
            INDArray copy = allocate(t.dtype(), t.shape());
            Loops.copy(g, copy);
            grads.put(t, copy);
        } else {
            Loops.accumulate(gradFor(t), g, 1.0);
        }
    }

    /** True when g is the running rule's own gradient buffer, or a contiguous view of all of it. */
    private boolean isPropagatingGradient(INDArray g) {
        INDArray own = propagating == null ? null : grads.get(propagating);
        return own != null && (g == own || g.data() == own.data() && g.offset() == own.offset()
                && g.length() == own.length() && Loops.isContiguous(g) && Loops.isContiguous(own));
    }

    /** Back-propagates from a one-element loss with seed gradient 1. */
    public void backward(Tensor loss) {
        if (loss.length() != 1) {
            throw new IllegalArgumentException("backward(loss) needs a one-element loss; use backward(output, seed)");
        }
        INDArray seed = allocate(loss.dtype(), loss.shape());
        seed.assign(1.0);
        backward(loss, seed);
    }

    /** Back-propagates from {@code output} with the given seed gradient (same shape). */
    public void backward(Tensor output, INDArray seed) {
        checkOpen();
        if (!recording) {
            throw new IllegalStateException("backward() on an inference tape: nothing was recorded");
        }
        if (!output.requiresGrad()) {
            throw new IllegalStateException("backward(): the output does not depend on any tensor that requires a gradient");
        }
        gradFor(output).addi(seed);
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node node = nodes.get(i);
            INDArray g = grads.get(node.output());
            if (g != null) {
                propagating = node.output();
                try {
                    node.rule().apply(g);
                } finally {
                    propagating = null;
                }
            }
        }
    }

    /** Number of recorded ops (for tests and profiling). */
    public int recordedOps() {
        return nodes.size();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this tape is closed; its tensors' buffers have been recycled");
        }
    }

    /** Returns every buffer to the pool; the tape and its tensors are unusable afterwards. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (INDArray a : owned) {
            pool.give(a);
        }
        owned.clear();
        nodes.clear();
        grads.clear();
    }
}
