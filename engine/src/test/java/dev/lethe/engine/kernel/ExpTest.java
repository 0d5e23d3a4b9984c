package dev.lethe.engine.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ExpTest {
    @Test
    void withinOneFloatUlpOfMathExpAndRelativeErrorBelow1e8() {
        Random rng = new Random(3);
        double worst = 0;
        for (int i = 0; i < 2_000_000; i++) {
            double x = i % 2 == 0 ? -100 * rng.nextDouble() : 176 * rng.nextDouble() - 88;
            double want = Math.exp(x);
            double got = Exp.exp(x);
            if (want > Double.MIN_NORMAL) {
                worst = Math.max(worst, Math.abs(got - want) / want);
            }
            float fw = (float) want;
            float fg = (float) got;
            assertThat(Math.abs(fg - fw)).as("x=%s", x).isLessThanOrEqualTo(Math.ulp(fw));
        }
        assertThat(worst).isLessThan(1e-8);
    }

    @Test
    void edges() {
        assertThat(Exp.exp(0)).isEqualTo(1.0);
        assertThat(Exp.exp(Double.NEGATIVE_INFINITY)).isZero();
        assertThat(Exp.exp(-800)).isZero();
        assertThat(Exp.exp(Double.POSITIVE_INFINITY)).isInfinite();
        assertThat(Exp.exp(710)).isInfinite();
        assertThat(Exp.exp(Double.NaN)).isNaN();
        assertThat(Exp.exp(-740) / Math.exp(-740)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(Exp.exp(709) / Math.exp(709)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-8));
        assertThat(Exp.exp(1) / Math.E).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-8));
    }
}
