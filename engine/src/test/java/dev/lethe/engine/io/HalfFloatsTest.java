package dev.lethe.engine.io;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Checks the 16-bit float conversions on hand-derived bit patterns and exhaustively against the IEEE definitions. */
class HalfFloatsTest {

    @Test
    void f16KnownPatterns() {
        assertThat(HalfFloats.f16ToFloat(0x3c00)).isEqualTo(1.0f);
        assertThat(HalfFloats.f16ToFloat(0xc100)).isEqualTo(-2.5f);
        assertThat(HalfFloats.f16ToFloat(0x7bff)).isEqualTo(65504f);
        assertThat(HalfFloats.f16ToFloat(0x0001)).isEqualTo((float) Math.pow(2, -24)); // smallest subnormal
        assertThat(HalfFloats.f16ToFloat(0x03ff)).isEqualTo((float) (1023 * Math.pow(2, -24))); // largest subnormal
        assertThat(HalfFloats.f16ToFloat(0x0400)).isEqualTo((float) Math.pow(2, -14));
        assertThat(Float.floatToRawIntBits(HalfFloats.f16ToFloat(0x8000))).isEqualTo(0x80000000);
        assertThat(HalfFloats.f16ToFloat(0x7c00)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(HalfFloats.f16ToFloat(0xfc00)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(HalfFloats.f16ToFloat(0x7e00)).isNaN();
        assertThat(HalfFloats.floatToF16(1.0f)).isEqualTo((short) 0x3c00);
        assertThat(HalfFloats.floatToF16(-2.5f)).isEqualTo((short) 0xc100);
        assertThat(HalfFloats.floatToF16(65520f)).isEqualTo((short) 0x7c00); // rounds up to infinity
        assertThat(HalfFloats.floatToF16(65519f)).isEqualTo((short) 0x7bff);
        assertThat(HalfFloats.floatToF16((float) Math.pow(2, -25))).isEqualTo((short) 0); // tie to even (0)
        assertThat(HalfFloats.floatToF16((float) (1.5 * Math.pow(2, -24)))).isEqualTo((short) 2); // tie to even (2)
        assertThat(HalfFloats.floatToF16(1.0f + (float) Math.pow(2, -11))).isEqualTo((short) 0x3c00); // tie -> even
        assertThat(HalfFloats.floatToF16(1.0f + 3 * (float) Math.pow(2, -11))).isEqualTo((short) 0x3c02);
        assertThat(HalfFloats.floatToF16(Float.NaN) & 0x7c00).isEqualTo(0x7c00);
        assertThat(HalfFloats.floatToF16(Float.NaN) & 0x3ff).isNotZero();
    }

    @Test
    void f16AllPatternsRoundTripAndMatchDefinition() {
        for (int h = 0; h < 0x10000; h++) {
            int exp = (h >> 10) & 0x1f;
            int mant = h & 0x3ff;
            double sign = (h & 0x8000) != 0 ? -1 : 1;
            float f = HalfFloats.f16ToFloat(h);
            if (exp == 31) {
                assertThat(Float.isNaN(f) || Float.isInfinite(f)).isTrue();
                continue;
            }
            double expected = exp == 0 ? sign * mant * Math.pow(2, -24)
                    : sign * (1 + mant / 1024.0) * Math.pow(2, exp - 15);
            assertThat((double) f).isEqualTo(expected);
            assertThat(HalfFloats.floatToF16(f) & 0xffff).isEqualTo(h);
        }
    }

    @Test
    void bf16KnownPatternsAndRounding() {
        assertThat(HalfFloats.bf16ToFloat(0x3f80)).isEqualTo(1.0f);
        assertThat(HalfFloats.bf16ToFloat(0xc020)).isEqualTo(-2.5f);
        assertThat(HalfFloats.bf16ToFloat(0x0001)).isEqualTo((float) Math.pow(2, -133)); // smallest subnormal
        assertThat(HalfFloats.floatToBf16(1.0f)).isEqualTo((short) 0x3f80);
        assertThat(HalfFloats.floatToBf16(-2.5f)).isEqualTo((short) 0xc020);
        // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to even gives 1
        assertThat(HalfFloats.floatToBf16(1.0f + (float) Math.pow(2, -8))).isEqualTo((short) 0x3f80);
        // 1 + 3*2^-8 is halfway between 1+2^-7 (odd) and 1+2^-6: ties to even gives 0x3f82
        assertThat(HalfFloats.floatToBf16(1.0f + 3 * (float) Math.pow(2, -8))).isEqualTo((short) 0x3f82);
        assertThat(HalfFloats.floatToBf16(Float.MAX_VALUE)).isEqualTo((short) 0x7f80); // overflows to infinity
        assertThat(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(Float.NaN))).isNaN();
        for (int h = 0; h < 0x10000; h++) {
            float f = HalfFloats.bf16ToFloat(h);
            if (!Float.isNaN(f)) {
                assertThat(HalfFloats.floatToBf16(f) & 0xffff).isEqualTo(h);
            }
        }
    }
}
