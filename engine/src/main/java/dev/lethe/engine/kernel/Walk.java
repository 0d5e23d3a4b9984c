package dev.lethe.engine.kernel;

/**
 * Iteration over an N-d index space for up to a few operands with their own strides, in contiguous segments: size-1
 * axes are dropped and adjacent axes that are contiguous for every operand are merged, so the innermost loop runs as
 * long as possible (a whole contiguous array is one segment; logits[:, :-1, :] is one segment per batch row). Kernels
 * supply a {@link Segment} body with a tight loop; the element order within and across segments is row-major, the
 * same as {@link StridedLoop}'s.
 */
public final class Walk {
    /** One run of {@code len} elements: operand k starts at {@code off[k]} and steps by {@code step[k]}. */
    @FunctionalInterface
    public interface Segment {
        void run(int[] off, int[] step, int len);
    }

    private final long[] shape;
    private final long[][] strides;
    private final int[] step;
    private final int inner;
    private final long total;

    private Walk(long[] shape, long[][] strides) {
        this.shape = shape;
        this.strides = strides;
        int r = shape.length;
        this.inner = (int) shape[r - 1];
        this.step = new int[strides.length];
        for (int k = 0; k < strides.length; k++) {
            step[k] = (int) strides[k][r - 1];
        }
        this.total = Shapes.numel(shape);
    }

    /** A walk over {@code shape}; {@code strides[k]} are operand k's strides (same rank as shape, 0 = broadcast). */
    public static Walk of(long[] shape, long[]... strides) {
        int r = shape.length;
        int ops = strides.length;
        long[] s = new long[Math.max(r, 1)];
        long[][] st = new long[ops][Math.max(r, 1)];
        int n = 0;
        for (int i = 0; i < r; i++) {
            if (shape[i] == 1) {
                continue;
            }
            boolean merge = n > 0;
            for (int k = 0; merge && k < ops; k++) {
                merge = st[k][n - 1] == strides[k][i] * shape[i];
            }
            if (merge) {
                s[n - 1] *= shape[i];
                for (int k = 0; k < ops; k++) {
                    st[k][n - 1] = strides[k][i];
                }
            } else {
                s[n] = shape[i];
                for (int k = 0; k < ops; k++) {
                    st[k][n] = strides[k][i];
                }
                n++;
            }
        }
        if (n == 0) {
            boolean empty = false;
            for (long d : shape) {
                empty |= d == 0;
            }
            return new Walk(new long[] {empty ? 0 : 1}, zeros(ops));
        }
        long[] cs = java.util.Arrays.copyOf(s, n);
        long[][] cst = new long[ops][];
        for (int k = 0; k < ops; k++) {
            cst[k] = java.util.Arrays.copyOf(st[k], n);
        }
        return new Walk(cs, cst);
    }

    private static long[][] zeros(int ops) {
        long[][] z = new long[ops][];
        for (int k = 0; k < ops; k++) {
            z[k] = new long[] {0};
        }
        return z;
    }

    public long total() {
        return total;
    }

    /** Length of the innermost (merged) axis. */
    public int inner() {
        return inner;
    }

    /** Number of merged axes. */
    public int rank() {
        return shape.length;
    }

    /**
     * Runs body over every segment. With {@code parallel}, the element range may be split in two at a fixed point
     * ({@link Par}); only pass true when no two elements write the same output location.
     */
    public void run(boolean parallel, Segment body) {
        if (total == 0) {
            return;
        }
        if (parallel) {
            Par.range((int) total, 1, (lo, hi) -> walk(lo, hi, body));
        } else {
            walk(0, total, body);
        }
    }

    private void walk(long lo, long hi, Segment body) {
        int r = shape.length;
        int ops = strides.length;
        long[] idx = new long[r];
        long rem = lo;
        for (int d = r - 1; d >= 0; d--) {
            idx[d] = rem % shape[d];
            rem /= shape[d];
        }
        int[] off = new int[ops];
        long pos = lo;
        while (pos < hi) {
            for (int k = 0; k < ops; k++) {
                long o = 0;
                for (int d = 0; d < r; d++) {
                    o += idx[d] * strides[k][d];
                }
                off[k] = (int) o;
            }
            int len = (int) Math.min(inner - idx[r - 1], hi - pos);
            body.run(off, step, len);
            pos += len;
            idx[r - 1] += len;
            for (int d = r - 1; d > 0 && idx[d] >= shape[d]; d--) {
                idx[d] = 0;
                idx[d - 1]++;
            }
        }
    }

    /**
     * Offset of row {@code row} (row-major over all axes but the last of {@code shape}) for an operand with
     * {@code strides}; for kernels that split rows across threads.
     */
    public static int rowOffset(long[] shape, long[] strides, long row) {
        return offsetOf(shape, strides, shape.length - 1, row);
    }

    /** Offset of element {@code flat} (row-major over all axes of {@code shape}) for an operand with strides. */
    public static int elementOffset(long[] shape, long[] strides, long flat) {
        return offsetOf(shape, strides, shape.length, flat);
    }

    private static int offsetOf(long[] shape, long[] strides, int axes, long row) {
        long o = 0;
        for (int d = axes - 1; d >= 0; d--) {
            long i = row % shape[d];
            row /= shape[d];
            o += i * strides[d];
        }
        return (int) o;
    }
}
