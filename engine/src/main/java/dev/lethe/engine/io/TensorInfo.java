package dev.lethe.engine.io;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * One validated tensor entry of a safetensors header: its name, dtype, shape and byte range. {@code begin} and
 * {@code end} are relative to the start of the data section (as in the header's {@code data_offsets}); {@code file}
 * is the safetensors file holding it (useful for sharded checkpoints).
 *
 * @param name  the tensor name, e.g. {@code model.layers.0.self_attn.q_proj.weight}
 * @param dtype the stored element type
 * @param shape the shape, outermost first; empty for a scalar
 * @param begin first byte of the data, relative to the data section
 * @param end   one past the last byte, relative to the data section
 * @param file  the file that holds the bytes
 */
public record TensorInfo(String name, SafetensorsDType dtype, long[] shape, long begin, long end, Path file) {

    /** Defensive copy of the shape. */
    public TensorInfo {
        shape = shape.clone();
    }

    /** A copy of the shape. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements (1 for a scalar). */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Number of bytes of the data. */
    public long byteLength() {
        return end - begin;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && t.name.equals(name) && t.dtype == dtype && Arrays.equals(t.shape, shape)
                && t.begin == begin && t.end == end && t.file.equals(file);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape) + " bytes [" + begin + ", " + end + ") in " + file;
    }
}
