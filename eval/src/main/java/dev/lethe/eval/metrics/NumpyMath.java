package dev.lethe.eval.metrics;

/**
 * Floating-point reductions in the exact order NumPy uses, so that means and sums match the Python reference
 * implementations bit for bit: {@code np.sum}/{@code np.add.reduce} over a contiguous float64 array uses pairwise
 * summation (sequential below 8 elements, eight interleaved accumulators up to a block of 128, recursive halving
 * above; NumPy {@code loops_utils.h} {@code pairwise_sum}), and {@code np.mean} divides that sum by the count.
 */
public final class NumpyMath {

    private static final int BLOCK = 128;

    private NumpyMath() {
    }

    /** {@code np.sum(values)} for a 1-D float64 array. */
    public static double sum(double[] values) {
        return pairwise(values, 0, values.length);
    }

    /** {@code np.mean(values)}; throws for an empty array (NumPy would return nan with a warning). */
    public static double mean(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("mean of an empty array is undefined");
        }
        return sum(values) / values.length;
    }

    private static double pairwise(double[] a, int from, int n) {
        if (n < 8) {
            double res = 0.0;
            for (int i = 0; i < n; i++) {
                res += a[from + i];
            }
            return res;
        }
        if (n <= BLOCK) {
            double[] r = new double[8];
            for (int j = 0; j < 8; j++) {
                r[j] = a[from + j];
            }
            int i = 8;
            for (; i < n - (n % 8); i += 8) {
                for (int j = 0; j < 8; j++) {
                    r[j] += a[from + i + j];
                }
            }
            double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for (; i < n; i++) {
                res += a[from + i];
            }
            return res;
        }
        int n2 = n / 2;
        n2 -= n2 % 8;
        return pairwise(a, from, n2) + pairwise(a, from + n2, n - n2);
    }
}
