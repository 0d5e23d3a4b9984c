package dev.lethe.engine.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link Blas#gemm} against {@code Nd4j.gemm} (and a plain triple loop) on every operand layout the engine passes:
 * dense, transposed flags, column-contiguous views, strided slices of bigger arrays, one-row products (the GEMV path),
 * beta = 1 accumulation, float32 and float64.
 */
class BlasTest {
    private static final Random RNG = new Random(7);

    @Test
    void theCpuBackendUsesTheDirectPath() {
        assertThat(Blas.direct()).isTrue();
    }

    @Test
    void equalsNd4jGemmOnEveryLayout() {
        int[][] sizes = {{5, 7, 3}, {1, 9, 6}, {1, 1, 4}, {6, 1, 1}, {4, 8, 1}, {33, 17, 29}, {1, 64, 130}};
        int cases = 0;
        for (DataType dt : List.of(DataType.FLOAT, DataType.DOUBLE)) {
            for (int[] mkn : sizes) {
                int m = mkn[0];
                int k = mkn[1];
                int n = mkn[2];
                for (boolean ta : new boolean[] {false, true}) {
                    for (boolean tb : new boolean[] {false, true}) {
                        for (INDArray a : layouts(dt, ta ? k : m, ta ? m : k)) {
                            for (INDArray b : layouts(dt, tb ? n : k, tb ? k : n)) {
                                for (double beta : new double[] {0.0, 1.0}) {
                                    check(a, b, ta, tb, 0.5, beta, m, n);
                                    cases++;
                                }
                            }
                        }
                    }
                }
            }
        }
        assertThat(cases).isGreaterThan(1000);
    }

    @Test
    void singleThreadedSectionsNestAndRestoreTheThreadCount() {
        org.nd4j.linalg.api.blas.Blas blas = Nd4j.factory().blas();
        int before = blas.getMaxThreads();
        Blas.singleThreadedIf(true, () -> {
            assertThat(blas.getMaxThreads()).isEqualTo(1);
            Blas.singleThreadedIf(true, () -> assertThat(blas.getMaxThreads()).isEqualTo(1));
            assertThat(blas.getMaxThreads()).isEqualTo(1); // the inner section must not restore early
        });
        assertThat(blas.getMaxThreads()).isEqualTo(before);
        Blas.singleThreadedIf(false, () -> assertThat(blas.getMaxThreads()).isEqualTo(before));
    }

    @Test
    void writesIntoARowOfABiggerOutput() {
        INDArray big = Nd4j.zeros(DataType.FLOAT, 6, 10);
        INDArray c = big.get(NDArrayIndex.interval(2, 5), NDArrayIndex.interval(3, 7));
        INDArray a = rand(DataType.FLOAT, 3, 5);
        INDArray b = rand(DataType.FLOAT, 5, 4);
        Blas.gemm(a, b, c, false, false, 1.0, 0.0);
        assertThat(maxDiff(c, naive(a, b, false, false))).isLessThan(1e-5);
        // outside the window nothing changed
        assertThat(big.get(NDArrayIndex.interval(0, 2), NDArrayIndex.all()).sumNumber().doubleValue()).isZero();
        assertThat(big.get(NDArrayIndex.all(), NDArrayIndex.interval(7, 10)).sumNumber().doubleValue()).isZero();
    }

    private static void check(INDArray a, INDArray b, boolean ta, boolean tb, double alpha, double beta, int m,
            int n) {
        INDArray c0 = rand(a.dataType(), m, n);
        INDArray want = c0.dup('c');
        INDArray got = c0.dup('c');
        Nd4j.gemm(a, b, want, ta, tb, alpha, beta);
        Blas.gemm(a, b, got, ta, tb, alpha, beta);
        INDArray loop = naive(a, b, ta, tb).muli(alpha).addi(c0.mul(beta));
        double tol = a.dataType() == DataType.FLOAT ? 1e-5 : 1e-12;
        String what = a.dataType() + " m" + m + " n" + n + " ta" + ta + " tb" + tb + " a" + layout(a) + " b"
                + layout(b) + " beta" + beta;
        assertThat(maxDiff(got, want)).as(what).isLessThan(tol);
        assertThat(maxDiff(got, loop)).as(what).isLessThan(tol);
    }

    /** The same matrix as dense c-order, dense f-order, a column-contiguous transposed view and a strided slice. */
    private static List<INDArray> layouts(DataType dt, int r, int c) {
        INDArray dense = rand(dt, r, c);
        List<INDArray> out = new ArrayList<>();
        out.add(dense);
        out.add(dense.dup('f'));
        out.add(dense.transpose().dup('c').transpose());
        INDArray host = rand(dt, r + 3, c + 5);
        INDArray window = host.get(NDArrayIndex.interval(2, 2 + r), NDArrayIndex.interval(1, 1 + c));
        window.assign(dense);
        out.add(window);
        return out;
    }

    private static String layout(INDArray x) {
        return java.util.Arrays.toString(x.stride()) + "@" + x.offset();
    }

    private static INDArray naive(INDArray a, INDArray b, boolean ta, boolean tb) {
        INDArray oa = ta ? a.transpose() : a;
        INDArray ob = tb ? b.transpose() : b;
        int m = (int) oa.size(0);
        int k = (int) oa.size(1);
        int n = (int) ob.size(1);
        INDArray c = Nd4j.zeros(a.dataType(), m, n);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int l = 0; l < k; l++) {
                    s += oa.getDouble(i, l) * ob.getDouble(l, j);
                }
                c.putScalar(i, j, s);
            }
        }
        return c;
    }

    private static INDArray rand(DataType dt, int r, int c) {
        INDArray x = Nd4j.create(dt, new long[] {r, c}, 'c');
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) {
                x.putScalar(i, j, RNG.nextGaussian());
            }
        }
        return x;
    }

    private static double maxDiff(INDArray x, INDArray y) {
        double d = 0;
        for (int i = 0; i < x.size(0); i++) {
            for (int j = 0; j < x.size(1); j++) {
                d = Math.max(d, Math.abs(x.getDouble(i, j) - y.getDouble(i, j)));
            }
        }
        return d;
    }
}
