package dev.lethe.transformer.model;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Keys and values of earlier positions, per layer, preallocated as [B, Hkv, capacity, Dh] so that decoding one token
 * costs one projection per layer instead of a recomputation of the whole prefix. {@link #length()} positions are
 * filled; {@link CausalLM#forward} appends the new positions' keys (after RoPE) and values and advances the length
 * once all layers have been written. The key mask of every cached position is kept too, so left-padded batches stay
 * masked while decoding.
 */
public final class KvCache {
    private final INDArray[] keys;
    private final INDArray[] values;
    private final int[] keyMask;
    private final int batch;
    private final int capacity;
    private int length;

    public KvCache(int layers, int batch, int kvHeads, int capacity, int headDim, DataType dtype) {
        this.keys = new INDArray[layers];
        this.values = new INDArray[layers];
        for (int l = 0; l < layers; l++) {
            keys[l] = Nd4j.zeros(dtype, batch, kvHeads, capacity, headDim);
            values[l] = Nd4j.zeros(dtype, batch, kvHeads, capacity, headDim);
        }
        this.keyMask = new int[batch * capacity];
        this.batch = batch;
        this.capacity = capacity;
    }

    /** A cache sized for a model and a maximum total length (prompt + new tokens). */
    public static KvCache forModel(CausalLM model, int batch, int capacity) {
        return new KvCache(model.config().numLayers(), batch, model.config().numKvHeads(), capacity,
                model.config().headDim(), model.dtype());
    }

    /** Positions already cached. */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    public int batch() {
        return batch;
    }

    INDArray keys(int layer) {
        return keys[layer];
    }

    INDArray values(int layer) {
        return values[layer];
    }

    /** Key mask for positions [0, total) of every sequence, with the new positions' mask written at the end. */
    int[] maskWith(int[] newMask, int newLen) {
        int total = length + newLen;
        if (total > capacity) {
            throw new IllegalStateException("KV cache holds " + capacity + " positions; " + total + " needed");
        }
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < newLen; t++) {
                keyMask[b * capacity + length + t] = newMask == null ? 1 : newMask[b * newLen + t];
            }
        }
        int[] m = new int[batch * total];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(keyMask, b * capacity, m, b * total, total);
        }
        return m;
    }

    void advance(int newLen) {
        length += newLen;
    }

    /** One row of a cache, as a source of {@link #regroup}. */
    public record Row(KvCache cache, int row) {
    }

    /**
     * A new cache whose row i holds the cached positions of {@code rows.get(i)}: each source row's positions from its
     * first unmasked one are copied right-aligned to a common length (the longest), earlier positions masked out, so
     * rows of different caches (a running batch and freshly prefilled prompts) decode together, and rows that leave a
     * batch free their padding. The new cache has {@code headroom} free positions after that length. Used by
     * continuous batching: keys are stored after RoPE, so moving a row in the cache does not change its positions.
     */
    public static KvCache regroup(List<Row> rows, int headroom) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("regroup needs at least one row");
        }
        KvCache first = rows.get(0).cache();
        int[] start = new int[rows.size()];
        int len = 0;
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            KvCache c = r.cache();
            if (c.keys.length != first.keys.length || c.keys[0].size(1) != first.keys[0].size(1)
                    || c.keys[0].size(3) != first.keys[0].size(3)) {
                throw new IllegalArgumentException("row " + i + " comes from a cache of another model shape");
            }
            int s = 0;
            while (s < c.length && c.keyMask[r.row() * c.capacity + s] == 0) {
                s++;
            }
            start[i] = s;
            len = Math.max(len, c.length - s);
        }
        KvCache out = new KvCache(first.keys.length, rows.size(), (int) first.keys[0].size(1), len + headroom,
                (int) first.keys[0].size(3), first.keys[0].dataType());
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            KvCache c = r.cache();
            int n = c.length - start[i];
            int at = len - n;
            if (n > 0) {
                INDArrayIndex[] src = {NDArrayIndex.point(r.row()), NDArrayIndex.all(),
                        NDArrayIndex.interval(start[i], c.length), NDArrayIndex.all()};
                INDArrayIndex[] dst = {NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.interval(at, len),
                        NDArrayIndex.all()};
                for (int l = 0; l < out.keys.length; l++) {
                    out.keys[l].get(dst).assign(c.keys[l].get(src));
                    out.values[l].get(dst).assign(c.values[l].get(src));
                }
                System.arraycopy(c.keyMask, r.row() * c.capacity + start[i], out.keyMask, i * out.capacity + at, n);
            }
        }
        out.length = len;
        return out;
    }

    /**
     * Frees the key and value buffers now instead of at the next garbage collection (a server that regroups caches
     * between decode steps would otherwise pile up off-heap memory the Java heap does not see). The cache must not be
     * used afterwards.
     */
    public void release() {
        for (int l = 0; l < keys.length; l++) {
            keys[l].close();
            values[l].close();
        }
    }

    /** Forgets every cached position (the buffers are kept). */
    public void reset() {
        length = 0;
        java.util.Arrays.fill(keyMask, 0);
    }
}
