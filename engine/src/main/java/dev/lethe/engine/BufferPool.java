package dev.lethe.engine;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reusable off-heap buffers for tapes. ND4J frees off-heap memory only when the Java GC collects an array, and a fresh
 * allocation page-faults (about 1.2 ms per MB), so a training loop that allocates per op grows to gigabytes and runs
 * slowly. A pool hands out flat arrays by (dtype, length), takes them back when a {@link Tape} closes, and hands the
 * same memory out again next step: after the first step a loop allocates nothing. Not thread-safe: use one pool per
 * thread (or per training job).
 */
public final class BufferPool {
    private record Key(DataType dtype, long length) {
    }

    private final Map<Key, ArrayDeque<INDArray>> free = new HashMap<>();
    private long allocatedBytes;
    private long allocations;

    /** A contiguous c-order array of the given shape whose contents are undefined. */
    public INDArray take(DataType dtype, long... shape) {
        long n = 1;
        for (long s : shape) {
            if (s < 0) {
                throw new IllegalArgumentException("negative dimension in shape");
            }
            n *= s;
        }
        ArrayDeque<INDArray> q = free.get(new Key(dtype, n));
        INDArray flat = q == null ? null : q.pollLast();
        if (flat == null) {
            flat = Nd4j.createUninitialized(dtype, Math.max(n, 1));
            allocatedBytes += Math.max(n, 1) * dtype.width();
            allocations++;
        }
        return flat;
    }

    /** Returns a flat array obtained from {@link #take}. */
    public void give(INDArray flat) {
        free.computeIfAbsent(new Key(flat.dataType(), flat.length()), k -> new ArrayDeque<>()).addLast(flat);
    }

    /** Bytes ever allocated by this pool (a steady loop stops growing this after its first step). */
    public long allocatedBytes() {
        return allocatedBytes;
    }

    /** Number of fresh allocations ever made. */
    public long allocations() {
        return allocations;
    }

    /** Forgets all free buffers so the GC can release them. */
    public void clear() {
        free.clear();
        allocatedBytes = 0;
    }
}
