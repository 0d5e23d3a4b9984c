package dev.lethe.transformer.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

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

    /** Forgets every cached position (the buffers are kept). */
    public void reset() {
        length = 0;
        java.util.Arrays.fill(keyMask, 0);
    }
}
