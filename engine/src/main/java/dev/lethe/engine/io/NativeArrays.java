package dev.lethe.engine.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.bytedeco.javacpp.BytePointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Package-private access to the off-heap memory of dense, C-ordered ND4J arrays as {@link ByteBuffer} windows of at
 * most {@link #WINDOW} bytes, so that tensors larger than 2 GB can be filled and drained in pieces.
 */
final class NativeArrays {
    /** Largest window handed out at once (bytes; a multiple of 8). */
    static final int WINDOW = 1 << 26;

    private NativeArrays() {
    }

    /** A new detached (outside any workspace) C-ordered array; empty shapes and scalars included. */
    static INDArray allocate(DataType type, long[] shape) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            for (long d : shape) {
                if (d == 0) {
                    return Nd4j.create(type, shape);
                }
            }
            if (shape.length == 0) {
                return Nd4j.scalar(type, 0);
            }
            return Nd4j.createUninitialized(type, shape, 'c');
        }
    }

    /** The array itself when it is a dense C-ordered array owning its buffer from offset 0, else a dense copy. */
    static INDArray dense(INDArray a) {
        if (a.isEmpty()) {
            return a;
        }
        if (a.isView() || a.ordering() != 'c' || a.offset() != 0 || a.data().length() != a.length()) {
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                return a.dup('c');
            }
        }
        return a;
    }

    /** A native-order window of {@code length} bytes starting {@code byteOffset} bytes into a dense array. */
    static ByteBuffer window(INDArray dense, long byteOffset, int length) {
        long total = dense.length() * dense.dataType().width();
        if (byteOffset < 0 || length < 0 || byteOffset + length > total) {
            throw new IndexOutOfBoundsException("window [" + byteOffset + ", " + (byteOffset + length)
                    + ") outside an array of " + total + " bytes");
        }
        BytePointer base = new BytePointer(dense.data().addressPointer());
        base.capacity(total);
        // a pointer whose address is the window start, so the buffer covers exactly the window (JavaCPP's
        // asByteBuffer on a positioned pointer keeps the bytes before the position, and ByteBuffer is int-indexed)
        BytePointer at = base.getPointer(byteOffset);
        at.capacity(length);
        ByteBuffer b = at.asByteBuffer();
        if (b.position() != 0 || b.capacity() != length) {
            b = b.slice();
        }
        return b.order(ByteOrder.nativeOrder());
    }
}
