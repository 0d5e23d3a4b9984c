package dev.lethe.engine.io;

/**
 * Bit-exact conversions between binary32 floats and the two 16-bit float formats of checkpoints: IEEE binary16
 * ({@code F16}) and bfloat16 ({@code BF16}). Widening (16 to 32 bits) is exact for every value, subnormals, infinities
 * and NaN payloads included; narrowing rounds to nearest, ties to even, overflows to infinity and keeps NaN a
 * (quiet) NaN, as PyTorch's {@code .to(torch.float16)} / {@code .to(torch.bfloat16)} do.
 */
public final class HalfFloats {
    private HalfFloats() {
    }

    /** The binary32 value of a binary16 bit pattern (the low 16 bits of {@code bits}). */
    public static float f16ToFloat(int bits) {
        int h = bits & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0) {
            // zero or subnormal: mant * 2^-24, exact in binary32
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        if (exp == 31) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /** The binary16 bit pattern (in the low 16 bits) nearest to {@code value}, ties to even. */
    public static short floatToF16(float value) {
        int f = Float.floatToRawIntBits(value);
        int sign = (f >>> 16) & 0x8000;
        int abs = f & 0x7fffffff;
        if (abs >= 0x7f800000) {
            if (abs == 0x7f800000) {
                return (short) (sign | 0x7c00);
            }
            return (short) (sign | 0x7e00 | ((abs >>> 13) & 0x3ff));
        }
        if (abs < 0x38800000) {
            // below the smallest normal binary16 (2^-14): count units of 2^-24, ties to even; 1024 units
            // become the smallest normal pattern 0x0400 by themselves.
            int units = (int) Math.rint(Float.intBitsToFloat(abs) * 0x1p24);
            return (short) (sign | units);
        }
        int exp = (abs >>> 23) - 127 + 15;
        if (exp >= 31) {
            return (short) (sign | 0x7c00);
        }
        int mant = abs & 0x7fffff;
        int half = (exp << 10) | (mant >>> 13);
        int rest = mant & 0x1fff;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
            half++; // may carry into the exponent, up to 0x7c00 = infinity, which is the right answer
        }
        return (short) (sign | half);
    }

    /** The binary32 value of a bfloat16 bit pattern (the low 16 bits of {@code bits}). */
    public static float bf16ToFloat(int bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** The bfloat16 bit pattern (in the low 16 bits) nearest to {@code value}, ties to even. */
    public static short floatToBf16(float value) {
        int f = Float.floatToRawIntBits(value);
        if ((f & 0x7fffffff) > 0x7f800000) {
            return (short) ((f >>> 16) | 0x40);
        }
        int rounded = f + 0x7fff + ((f >>> 16) & 1);
        return (short) (rounded >>> 16);
    }
}
