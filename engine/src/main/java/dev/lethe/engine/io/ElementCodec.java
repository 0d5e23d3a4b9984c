package dev.lethe.engine.io;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Package-private element conversions between little-endian safetensors bytes and native-order ND4J buffers. Every
 * widening is exact; narrowing float conversions round to nearest even ({@code F64 -> F32} is one rounding,
 * integer to float is Java's cast).
 */
final class ElementCodec {
    private ElementCodec() {
    }

    /** Converts {@code n} stored elements (little-endian, from index 0 of {@code in}) into {@code dst} as target. */
    static void convert(ByteBuffer in, SafetensorsDType src, ByteBuffer dst, DataType target, int n, Path file,
                        String tensor) {
        if (src.ndType() == target) {
            copySwapping(in, dst, src.byteSize(), n);
            return;
        }
        switch (target) {
            case FLOAT -> {
                for (int i = 0; i < n; i++) {
                    dst.putFloat(i * 4, src.isFloatingPoint() ? floatAt(in, src, i) : (float) longAt(in, src, i));
                }
            }
            case DOUBLE -> {
                for (int i = 0; i < n; i++) {
                    dst.putDouble(i * 8, src == SafetensorsDType.F64 ? in.getDouble(i * 8)
                            : src.isFloatingPoint() ? floatAt(in, src, i) : (double) longAt(in, src, i));
                }
            }
            default -> throw new IllegalArgumentException(file + ": tensor '" + tensor + "' is " + src
                    + " and cannot be read as " + target + "; read it as float32, float64 or its stored dtype.");
        }
    }

    /** Encodes {@code n} native-order elements of type {@code srcType} into little-endian {@code out} as {@code to}. */
    static void encode(ByteBuffer in, DataType srcType, ByteBuffer out, SafetensorsDType to, int n) {
        SafetensorsDType from = SafetensorsDType.fromNd4j(srcType);
        if (from == to) {
            copySwapping(in, out, to.byteSize(), n);
            return;
        }
        if (!from.isFloatingPoint() || !to.isFloatingPoint()) {
            throw new IllegalArgumentException("cannot store a " + srcType + " array as " + to
                    + "; only floating-point arrays change dtype when written");
        }
        for (int i = 0; i < n; i++) {
            if (to == SafetensorsDType.F64) {
                out.putDouble(i * 8, nativeFloating(in, from, i));
                continue;
            }
            float v = from == SafetensorsDType.F64 ? (float) in.getDouble(i * 8) : (float) nativeFloating(in, from, i);
            switch (to) {
                case F32 -> out.putFloat(i * 4, v);
                case F16 -> out.putShort(i * 2, HalfFloats.floatToF16(v));
                case BF16 -> out.putShort(i * 2, HalfFloats.floatToBf16(v));
                default -> throw new IllegalStateException(to.name());
            }
        }
    }

    private static double nativeFloating(ByteBuffer in, SafetensorsDType t, int i) {
        return switch (t) {
            case F64 -> in.getDouble(i * 8);
            case F32 -> in.getFloat(i * 4);
            case F16 -> HalfFloats.f16ToFloat(in.getShort(i * 2));
            case BF16 -> HalfFloats.bf16ToFloat(in.getShort(i * 2));
            default -> throw new IllegalStateException(t.name());
        };
    }

    private static float floatAt(ByteBuffer in, SafetensorsDType t, int i) {
        return switch (t) {
            case F64 -> (float) in.getDouble(i * 8);
            case F32 -> in.getFloat(i * 4);
            case F16 -> HalfFloats.f16ToFloat(in.getShort(i * 2));
            case BF16 -> HalfFloats.bf16ToFloat(in.getShort(i * 2));
            default -> throw new IllegalStateException(t.name());
        };
    }

    private static long longAt(ByteBuffer in, SafetensorsDType t, int i) {
        return switch (t) {
            case I64 -> in.getLong(i * 8);
            case I32 -> in.getInt(i * 4);
            case I16 -> in.getShort(i * 2);
            case I8 -> in.get(i);
            case U8 -> in.get(i) & 0xff;
            case BOOL -> in.get(i) != 0 ? 1 : 0;
            default -> throw new IllegalStateException(t.name());
        };
    }

    private static void copySwapping(ByteBuffer in, ByteBuffer out, int size, int n) {
        if (in.order() == out.order() || size == 1) {
            ByteBuffer src = in.duplicate();
            src.position(0).limit(n * size);
            out.duplicate().put(src);
            return;
        }
        for (int i = 0; i < n; i++) {
            switch (size) {
                case 2 -> out.putShort(i * 2, in.getShort(i * 2));
                case 4 -> out.putInt(i * 4, in.getInt(i * 4));
                case 8 -> out.putLong(i * 8, in.getLong(i * 8));
                default -> throw new IllegalStateException("element size " + size);
            }
        }
    }
}
