package dev.lethe.engine.io;

import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The element types of the safetensors format that Lethe reads and writes, with their size in bytes, their header
 * spelling ({@code "F32"}, {@code "BF16"}, ...) and the ND4J {@link DataType} that holds them without loss.
 */
public enum SafetensorsDType {
    /** IEEE 754 binary64. */
    F64(8, DataType.DOUBLE),
    /** IEEE 754 binary32. */
    F32(4, DataType.FLOAT),
    /** IEEE 754 binary16. */
    F16(2, DataType.HALF),
    /** bfloat16: the upper 16 bits of a binary32. */
    BF16(2, DataType.BFLOAT16),
    /** Signed 64-bit integer. */
    I64(8, DataType.LONG),
    /** Signed 32-bit integer. */
    I32(4, DataType.INT),
    /** Signed 16-bit integer. */
    I16(2, DataType.SHORT),
    /** Signed 8-bit integer. */
    I8(1, DataType.BYTE),
    /** Unsigned 8-bit integer. */
    U8(1, DataType.UBYTE),
    /** Boolean stored as one byte, 0 or 1. */
    BOOL(1, DataType.BOOL);

    private final int byteSize;
    private final DataType ndType;

    SafetensorsDType(int byteSize, DataType ndType) {
        this.byteSize = byteSize;
        this.ndType = ndType;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** The ND4J type that stores this dtype exactly. */
    public DataType ndType() {
        return ndType;
    }

    /** True for F64, F32, F16 and BF16. */
    public boolean isFloatingPoint() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    /** The dtype for a header spelling, or null when it is not one of the supported names. */
    public static SafetensorsDType fromHeaderName(String name) {
        if (name == null) {
            return null;
        }
        for (SafetensorsDType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }

    /** The dtype that stores an ND4J type, or an exception naming the type when safetensors has none for it. */
    public static SafetensorsDType fromNd4j(DataType type) {
        for (SafetensorsDType t : values()) {
            if (t.ndType == type) {
                return t;
            }
        }
        throw new IllegalArgumentException("ND4J data type " + type + " has no safetensors equivalent; convert the"
                + " array with castTo(DataType.FLOAT) (or another of " + supportedNames() + ") before writing it.");
    }

    /** The supported header names, for messages. */
    public static String supportedNames() {
        StringBuilder sb = new StringBuilder();
        for (SafetensorsDType t : values()) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(t.name().toUpperCase(Locale.ROOT));
        }
        return sb.toString();
    }
}
