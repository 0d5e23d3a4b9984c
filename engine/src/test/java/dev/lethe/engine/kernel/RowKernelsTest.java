package dev.lethe.engine.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import jdk.incubator.vector.DoubleVector;
import org.junit.jupiter.api.Test;

/**
 * The Vector API row kernels against the scalar reference: the same bits for every kernel and row length, and the
 * vector exp against {@code Math.exp} over a dense sweep (the accuracy {@link Exp} promises). Surefire starts the test
 * JVM with {@code --add-modules jdk.incubator.vector}, so {@link RowKernels} runs the vector kernels here.
 */
class RowKernelsTest {
    private static final int[] LENGTHS = {0, 1, 3, 4, 5, 7, 8, 13, 64, 255, 8195};
    private final RowKernels.Impl scalar = new ScalarRows();
    private final RowKernels.Impl vector = new VectorRows();

    @Test
    void theTestJvmRunsTheVectorKernels() {
        assertThat(RowKernels.vectorized()).isTrue();
        assertThat(RowKernels.impl()).isInstanceOf(VectorRows.class);
    }

    private static double[] vectorExp(double[] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i += 4) {
            VectorRows.exp(DoubleVector.fromArray(DoubleVector.SPECIES_256, x, i)).intoArray(out, i);
        }
        return out;
    }

    @Test
    void vectorExpHasExpsBitsAndIsWithin1e8RelativeOfMathExpOverADenseSweep() {
        // every 1e-4 over [-750, 712] (14.6M points), crossing the subnormal range and both cut-offs
        int n = 14_620_000;
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = -750 + i * 1e-4;
        }
        double[] got = vectorExp(x);
        double worst = 0;
        int worstUlps = 0;
        int differ = 0;
        double firstDiffering = Double.NaN;
        for (int i = 0; i < n; i++) {
            if (Double.doubleToRawLongBits(got[i]) != Double.doubleToRawLongBits(Exp.exp(x[i]))) {
                firstDiffering = differ++ == 0 ? x[i] : firstDiffering;
            }
            double want = Math.exp(x[i]);
            if (want > Double.MIN_NORMAL && !Double.isInfinite(want) && !Double.isInfinite(got[i])) {
                worst = Math.max(worst, Math.abs(got[i] - want) / want);
            }
            float fw = (float) want;
            if (fw > 0 && !Float.isInfinite(fw)) {
                worstUlps = Math.max(worstUlps, Math.abs(Float.floatToIntBits((float) got[i]) - Float.floatToIntBits(fw)));
            }
        }
        assertThat(differ).as("points whose bits differ from Exp.exp, first at x=%s", firstDiffering).isZero();
        assertThat(worst).isLessThan(1e-8);
        assertThat(worstUlps).as("float32 ulps from (float) Math.exp").isLessThanOrEqualTo(1);
    }

    @Test
    void vectorExpEdges() {
        double[] x = {Double.NaN, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, -745.5, -745.0, 709.7, 709.8,
                -0.0, 0.0, -720.25, -1e-300, 1e-300};
        double[] got = vectorExp(x);
        for (int i = 0; i < x.length; i++) {
            assertThat(Double.doubleToRawLongBits(got[i])).as("x=%s", x[i])
                    .isEqualTo(Double.doubleToRawLongBits(Exp.exp(x[i])));
        }
        assertThat(got[0]).isNaN();
        assertThat(got[1]).isZero();
        assertThat(got[2]).isInfinite();
        assertThat(got[9]).isPositive().isLessThan(Double.MIN_NORMAL); // subnormal result
    }

    private static float[] row(Random rng, int n, double spread) {
        float[] x = new float[n];
        for (int j = 0; j < n; j++) {
            x[j] = (float) (spread * rng.nextGaussian());
        }
        return x;
    }

    private static void assertSameBits(String what, float[] want, float[] got) {
        for (int j = 0; j < want.length; j++) {
            assertThat(Float.floatToRawIntBits(got[j])).as("%s [%d]: %s vs %s", what, j, got[j], want[j])
                    .isEqualTo(Float.floatToRawIntBits(want[j]));
        }
    }

    private static void assertSameBits(String what, double want, double got) {
        assertThat(Double.doubleToRawLongBits(got)).as("%s: %s vs %s", what, got, want)
                .isEqualTo(Double.doubleToRawLongBits(want));
    }

    @Test
    void everyKernelReturnsTheScalarReferencesBits() {
        Random rng = new Random(11);
        for (int n : LENGTHS) {
            for (double spread : new double[] {1.0, 30.0}) {
                String at = "n=" + n + " spread=" + spread;
                float[] x = row(rng, n, spread);
                float[] y = row(rng, n, spread);
                float[] g = row(rng, n, 1.0);
                assertThat(vector.max(x, n)).as(at).isEqualTo(scalar.max(x, n));
                double shift = n == 0 ? 0 : scalar.max(x, n);
                assertSameBits("sumExp " + at, scalar.sumExp(x, n, shift), vector.sumExp(x, n, shift));
                assertSameBits("dot " + at, scalar.dot(x, y, n), vector.dot(x, y, n));

                float[] a = x.clone();
                float[] b = x.clone();
                assertSameBits("expInPlace sum " + at, scalar.expInPlace(a, n, shift), vector.expInPlace(b, n, shift));
                assertSameBits("expInPlace " + at, a, b);

                a = x.clone();
                b = x.clone();
                scalar.scaledExpInPlace(a, n, shift, -0.37);
                vector.scaledExpInPlace(b, n, shift, -0.37);
                assertSameBits("scaledExpInPlace " + at, a, b);

                a = y.clone();
                b = y.clone();
                scalar.softmaxGrad(x, a, n, 0.25, 0.125);
                vector.softmaxGrad(x, b, n, 0.25, 0.125);
                assertSameBits("softmaxGrad " + at, a, b);

                a = new float[n];
                b = new float[n];
                scalar.swiglu(x, y, a, n);
                vector.swiglu(x, y, b, n);
                assertSameBits("swiglu " + at, a, b);

                float[] ag = g.clone();
                float[] bg = g.clone();
                float[] au = y.clone();
                float[] bu = y.clone();
                scalar.swigluGrad(g, x, y, ag, au, n);
                vector.swigluGrad(g, x, y, bg, bu, n);
                assertSameBits("swigluGrad gate " + at, ag, bg);
                assertSameBits("swigluGrad up " + at, au, bu);
                scalar.swigluGrad(g, x, y, null, ag, n);
                vector.swigluGrad(g, x, y, null, bg, n);
                assertSameBits("swigluGrad up only " + at, ag, bg);
            }
        }
    }

    @Test
    void sumsAgreeWithAPlainDoubleLoop() {
        Random rng = new Random(5);
        float[] x = row(rng, 8192, 4.0);
        double max = RowKernels.max(x, x.length);
        double want = 0;
        double dotWant = 0;
        for (float v : x) {
            want += Math.exp(v - max);
            dotWant += (double) v * v;
        }
        assertThat(Math.abs(RowKernels.sumExp(x, x.length, max) - want) / want).isLessThan(1e-8);
        assertThat(Math.abs(RowKernels.dot(x, x, x.length) - dotWant) / dotWant).isLessThan(1e-12);
    }

    @Test
    void sigmoidIsStableAndAccurate() {
        for (double x = -60; x <= 60; x += 0.01) {
            double want = 1.0 / (1.0 + Math.exp(-x));
            assertThat(Math.abs(RowKernels.sigmoid(x) - want) / want).as("x=%s", x).isLessThan(1e-8);
        }
        assertThat(RowKernels.sigmoid(-800)).isZero();
        assertThat(RowKernels.sigmoid(800)).isEqualTo(1.0);
    }
}
