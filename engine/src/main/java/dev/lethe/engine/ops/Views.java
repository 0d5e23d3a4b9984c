package dev.lethe.engine.ops;

import dev.lethe.engine.Tape;
import dev.lethe.engine.kernel.Loops;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Layout helpers for op implementations: contiguous copies on the tape and guaranteed (never copying) reshapes. */
public final class Views {
    private Views() {
    }

    /** {@code x} itself when it is row-major contiguous, else a contiguous copy owned by the tape. */
    public static INDArray dense(Tape tape, INDArray x) {
        if (Loops.isContiguous(x)) {
            return x;
        }
        INDArray out = tape.allocate(x.dataType(), x.shape());
        Loops.copy(x, out);
        return out;
    }

    /** A reshaped view of a contiguous array; never copies (throws if it would have to). */
    public static INDArray reshape(INDArray contiguous, long... shape) {
        return contiguous.reshape('c', true, shape);
    }
}
