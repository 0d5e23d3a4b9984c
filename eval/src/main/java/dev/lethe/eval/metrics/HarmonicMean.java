package dev.lethe.eval.metrics;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * Harmonic mean {@code n / sum(1/x_i)} in the two Python flavours the benchmarks use, both returning 0 as soon as one
 * value is 0 (the "zero rule"): {@link #scipy} reproduces {@code scipy.stats.hmean} (SciPy 1.10: {@code 1 / mean(1/x)}
 * with NumPy's pairwise sum; TOFU and open-unlearning Model Utility) and {@link #statistics} reproduces Python's
 * {@code statistics.harmonic_mean} (exact rational sum of the float reciprocals, one final rounding; SemEval-2025 Task 4
 * aggregate). Negative or NaN values are rejected, as both libraries do.
 */
public final class HarmonicMean {

    private HarmonicMean() {
    }

    /** {@code scipy.stats.hmean(values)}. */
    public static double scipy(double... values) {
        check(values);
        double[] inv = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            inv[i] = 1.0 / values[i]; // 1/0 = inf, and 1/inf = 0 below: the zero rule
        }
        return 1.0 / NumpyMath.mean(inv);
    }

    /** {@code statistics.harmonic_mean(values)} (Python 3.11). */
    public static double statistics(double... values) {
        check(values);
        if (values.length == 1) {
            return values[0];
        }
        BigDecimal total = BigDecimal.ZERO;
        for (double v : values) {
            if (v == 0) {
                return 0.0;
            }
            total = total.add(new BigDecimal(1.0 / v));
        }
        return new BigDecimal(values.length).divide(total, new MathContext(60)).doubleValue();
    }

    private static void check(double[] values) {
        if (values == null || values.length == 0) {
            throw new IllegalArgumentException("harmonic mean of no values is undefined; pass at least one value");
        }
        for (int i = 0; i < values.length; i++) {
            if (Double.isNaN(values[i]) || values[i] < 0) {
                throw new IllegalArgumentException("harmonic mean: value[" + i + "] = " + values[i]
                        + " must be a non-negative number");
            }
        }
    }
}
