package dev.lethe.engine.kernel;

/**
 * Walks the elements of an N-d index space in row-major order while tracking the offsets of up to four operands that
 * each have their own strides (stride 0 = broadcast). Kernels call {@link #next()} and read {@link #offset}; the last
 * axis is the fastest. {@link #rows} iterates over all axes but the last, for kernels that run their own inner loop
 * over a row.
 */
public final class StridedLoop {
    private final long[] shape;
    private final long[][] strides;
    private final long[] index;
    private final int[] offsets;
    private final int rank;
    private boolean started;
    private final long total;
    private long visited;

    /** Iterates over {@code shape}; {@code strides[k]} are operand k's strides (same rank as shape). */
    public StridedLoop(long[] shape, long[]... strides) {
        this.shape = shape;
        this.strides = strides;
        this.rank = shape.length;
        this.index = new long[rank];
        this.offsets = new int[strides.length];
        this.total = Shapes.numel(shape);
    }

    /** Iterates over all axes but the last, so each step is one row of {@code innerSize()} elements. */
    public static StridedLoop rows(long[] shape, long[]... strides) {
        long[] outer = java.util.Arrays.copyOf(shape, Math.max(shape.length - 1, 0));
        long[][] st = new long[strides.length][];
        for (int k = 0; k < strides.length; k++) {
            st[k] = java.util.Arrays.copyOf(strides[k], Math.max(shape.length - 1, 0));
        }
        return new StridedLoop(outer, st);
    }

    public long total() {
        return total;
    }

    /** Advances to the next element; false when done. */
    public boolean next() {
        if (!started) {
            started = true;
            if (total == 0) {
                return false;
            }
            visited = 1;
            return true;
        }
        if (visited >= total) {
            return false;
        }
        visited++;
        for (int ax = rank - 1; ax >= 0; ax--) {
            index[ax]++;
            for (int k = 0; k < offsets.length; k++) {
                offsets[k] += (int) strides[k][ax];
            }
            if (index[ax] < shape[ax]) {
                return true;
            }
            for (int k = 0; k < offsets.length; k++) {
                offsets[k] -= (int) (strides[k][ax] * shape[ax]);
            }
            index[ax] = 0;
        }
        return true;
    }

    /** Operand k's element offset at the current position. */
    public int offset(int k) {
        return offsets[k];
    }

    /** Current multi-index (do not modify). */
    public long[] index() {
        return index;
    }
}
