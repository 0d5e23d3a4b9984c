package dev.lethe.engine.kernel;

/**
 * The error function to double precision (Java has none): the Maclaurin series for |x| < 3 and a continued fraction
 * for erfc beyond, both accurate to about 1e-14 relative, which the erf form of GELU needs for float64 checks.
 */
public final class Erf {
    private static final double TWO_OVER_SQRT_PI = 2.0 / Math.sqrt(Math.PI);

    private Erf() {
    }

    public static double erf(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        double ax = Math.abs(x);
        if (ax < 3.0) {
            // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
            double term = ax;
            double sum = ax;
            double x2 = ax * ax;
            for (int n = 1; n < 200; n++) {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
                    break;
                }
            }
            return Math.copySign(TWO_OVER_SQRT_PI * sum, x);
        }
        if (ax > 6.5) {
            return Math.copySign(1.0, x);
        }
        return Math.copySign(1.0 - erfcLarge(ax), x);
    }

    /** erfc(x) for x >= 3 by the continued fraction exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))). */
    private static double erfcLarge(double x) {
        double f = x;
        for (int k = 60; k >= 1; k--) {
            f = x + (k / 2.0) / f;
        }
        return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
    }
}
