package dev.lethe.eval.metrics;

import java.util.Arrays;
import org.apache.commons.math3.stat.inference.KolmogorovSmirnovTest;

/**
 * Two-sample, two-sided Kolmogorov-Smirnov test as {@code scipy.stats.ks_2samp(a, b)} computes it (SciPy 1.10,
 * {@code alternative='two-sided'}, {@code method='auto'}); TOFU's forget quality is its p-value. The statistic is the
 * largest gap between the two empirical CDFs, rounded (as SciPy does) to the lattice {@code h / lcm(n1, n2)}. When
 * {@code max(n1, n2) <= 10000} the p-value is exact: for equal sizes the alternating binomial series of
 * Gnedenko-Korolyuk in SciPy's Horner form, otherwise the lattice-path recursion of Hodges (1958) in the "1 - p" form of
 * Viehmann (arXiv 2102.08037), both evaluated in the same floating-point order as SciPy. Larger samples use the
 * one-sample Kolmogorov distribution with {@code n = round(n1*n2/(n1+n2))}, which SciPy evaluates with
 * {@code kstwo.sf}; here commons-math's {@link KolmogorovSmirnovTest#cdf(double, int)} stands in, which agrees with
 * SciPy to about 1e-6 absolute in that regime, not to the last bit.
 */
public final class KsTest {

    /** Samples above this size (the larger of the two) switch to the asymptotic p-value, as SciPy's 'auto' mode. */
    public static final int MAX_EXACT_N = 10000;

    /** Result: the statistic D, its p-value, and whether the p-value is SciPy's exact one. */
    public record Result(double statistic, double pvalue, boolean exact) {
    }

    private KsTest() {
    }

    /** {@code ks_2samp(a, b)} two-sided. Both samples must be non-empty and free of NaN. */
    public static Result twoSample(double[] a, double[] b) {
        if (a == null || b == null || a.length == 0 || b.length == 0) {
            throw new IllegalArgumentException("ks_2samp needs two non-empty samples (got sizes "
                    + (a == null ? "null" : a.length) + " and " + (b == null ? "null" : b.length) + ")");
        }
        double[] x = a.clone();
        double[] y = b.clone();
        for (double v : x) {
            requireNotNan(v, "first");
        }
        for (double v : y) {
            requireNotNan(v, "second");
        }
        Arrays.sort(x);
        Arrays.sort(y);
        int n1 = x.length;
        int n2 = y.length;
        // Largest positive and negative gap of the ECDFs over the pooled points (first occurrence, like argmax).
        double maxS = Double.NEGATIVE_INFINITY;
        double minDiff = Double.POSITIVE_INFINITY;
        for (int k = 0; k < n1 + n2; k++) {
            double v = k < n1 ? x[k] : y[k - n1];
            double diff = countLessOrEqual(x, v) / (double) n1 - countLessOrEqual(y, v) / (double) n2;
            if (diff > maxS) {
                maxS = diff;
            }
            if (diff < minDiff) {
                minDiff = diff;
            }
        }
        double minS = Math.min(Math.max(-minDiff, 0.0), 1.0);
        double d = minS > maxS ? minS : maxS;

        long g = gcd(n1, n2);
        if (Math.max(n1, n2) <= MAX_EXACT_N) {
            long lcm = (n1 / g) * (long) n2;
            long h = (long) Math.rint(d * lcm);
            double dLattice = h * 1.0 / lcm;
            if (h == 0) {
                return new Result(dLattice, 1.0, true);
            }
            double prob = n1 == n2 ? probOutsideSquare(n1, h) : outerProbInside(n1, n2, g, h);
            if (prob >= 0 && prob <= 1) {
                return new Result(dLattice, prob, true);
            }
            d = dLattice; // SciPy keeps the rounded statistic when it falls back
        }
        double m = Math.max(n1, n2);
        double n = Math.min(n1, n2);
        int en = (int) Math.rint(m * n / (m + n));
        return new Result(d, Math.min(Math.max(asymptoticSf(d, en), 0.0), 1.0), false);
    }

    /** Approximates SciPy's {@code kstwo.sf(d, n)}; see the class comment for its accuracy. */
    static double asymptoticSf(double d, int n) {
        if (n * d <= 0.5) {
            return 1.0; // SciPy: P(D_n >= d) = 1 when d <= 1/(2n)
        }
        try {
            return 1.0 - new KolmogorovSmirnovTest().cdf(d, n);
        } catch (org.apache.commons.math3.exception.MathIllegalStateException e) {
            // Pelz-Good series did not converge (tiny n*d^2): limiting Kolmogorov law in its small-t theta form.
            double t = Math.sqrt(n) * d;
            double cdf = 0;
            for (int k = 1; k <= 100; k++) {
                cdf += Math.exp(-(2 * k - 1) * (2 * k - 1) * Math.PI * Math.PI / (8 * t * t));
            }
            return 1.0 - Math.sqrt(2 * Math.PI) / t * cdf;
        }
    }

    /** P(D_{n,n} >= h/n) by the Horner form of 2 * sum_k (-1)^(k+1) binom(2n, n-kh) / binom(2n, n). */
    static double probOutsideSquare(long n, long h) {
        double p = 0.0;
        long k = (long) Math.floor(n / (double) h);
        while (k >= 0) {
            double p1 = 1.0;
            for (long j = 0; j < h; j++) {
                p1 = (n - k * h - j) * p1 / (n + k * h + j + 1);
            }
            p = p1 * (1.0 - p);
            k--;
        }
        return 2 * p;
    }

    /** Proportion of lattice paths from (0,0) to (m,n) that leave the band |x/m - y/n| < h/lcm, column by column. */
    static double outerProbInside(long m0, long n0, long g, long h) {
        long m = Math.max(m0, n0);
        long n = Math.min(m0, n0);
        long mg = m / g;
        long ng = n / g;
        long minj = 0;
        long maxj = Math.min((long) Math.ceil(h / (double) mg), n + 1);
        long curlen = maxj - minj;
        int lenA = (int) Math.min(2 * maxj + 2, n + 1);
        double[] a = new double[lenA];
        Arrays.fill(a, 1.0);
        for (long j = minj; j < maxj; j++) {
            a[(int) j] = 0.0;
        }
        for (long i = 1; i <= m; i++) {
            long lastminj = minj;
            long lastlen = curlen;
            minj = Math.max(Math.floorDiv(ng * i - h, mg) + 1, 0);
            minj = Math.min(minj, n);
            maxj = Math.min(-Math.floorDiv(-(ng * i + h), mg), n + 1);
            if (maxj <= minj) {
                return 1.0;
            }
            double val = minj == 0 ? 0.0 : 1.0;
            for (long jj = 0; jj < maxj - minj; jj++) {
                long j = jj + minj;
                val = (a[(int) (jj + minj - lastminj)] * i + val * j) / (i + j);
                a[(int) jj] = val;
            }
            curlen = maxj - minj;
            if (lastlen > curlen) {
                for (long t = maxj - minj; t < maxj - minj + (lastlen - curlen) && t < lenA; t++) {
                    a[(int) t] = 1.0;
                }
            }
        }
        return a[(int) (maxj - minj - 1)];
    }

    private static int countLessOrEqual(double[] sorted, double v) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    private static void requireNotNan(double v, String which) {
        if (Double.isNaN(v)) {
            throw new IllegalArgumentException("ks_2samp: the " + which + " sample contains NaN; drop or fix it first");
        }
    }
}
