package dev.lethe.optim.rule;

import static dev.lethe.optim.testing.Vec.get;
import static dev.lethe.optim.testing.Vec.maxRelDiff;
import static dev.lethe.optim.testing.Vec.norm;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lethe.engine.ParameterSet;
import dev.lethe.engine.Tensor;
import dev.lethe.optim.Rng;
import dev.lethe.optim.Sgd;
import dev.lethe.optim.testing.Quadratic;
import dev.lethe.optim.testing.Vec;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Conjugate gradient against a direct (Gaussian elimination) solve, and two SIBL steps on quadratics against the
 * method written out with doubles: the magnitude mask, the inner L1 steps, the implicit correction solved directly on
 * the kept coordinates, the dual ascent. On quadratics the finite-difference Hessian products are exact up to rounding.
 */
class SiblTest {
    static final Quadratic F = new Quadratic(new double[][] {{3, 1, 0, 0.2}, {1, 2, 0.5, 0}, {0, 0.5, 1, 0.1},
        {0.2, 0, 0.1, 2}}, new double[] {1, -2, 0.5, 1}, 0.25);
    static final Quadratic R = new Quadratic(new double[][] {{2, 0, 0.3, 0}, {0, 1, 0, 0.4}, {0.3, 0, 4, 0},
        {0, 0.4, 0, 1.5}}, new double[] {-1, 0.5, 2, 0}, 1.0);

    /** Solves A x = b by Gaussian elimination with partial pivoting. */
    static double[] gauss(double[][] a0, double[] b0) {
        int n = b0.length;
        double[][] a = new double[n][];
        for (int i = 0; i < n; i++) {
            a[i] = java.util.Arrays.copyOf(a0[i], n + 1);
            a[i][n] = b0[i];
        }
        for (int c = 0; c < n; c++) {
            int p = c;
            for (int i = c + 1; i < n; i++) {
                p = Math.abs(a[i][c]) > Math.abs(a[p][c]) ? i : p;
            }
            double[] t = a[c];
            a[c] = a[p];
            a[p] = t;
            for (int i = c + 1; i < n; i++) {
                double f = a[i][c] / a[c][c];
                for (int j = c; j <= n; j++) {
                    a[i][j] -= f * a[c][j];
                }
            }
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = a[i][n];
            for (int j = i + 1; j < n; j++) {
                s -= a[i][j] * x[j];
            }
            x[i] = s / a[i][i];
        }
        return x;
    }

    private static ParameterSet vec(double... x) {
        return ParameterSet.of(Map.of("theta", Nd4j.createFromArray(x).reshape(x.length, 1)));
    }

    @Test
    void conjugateGradientMatchesADirectSolve() {
        int n = 6;
        Random rnd = new Random(3);
        double[][] bm = new double[n][n];
        for (double[] row : bm) {
            for (int j = 0; j < n; j++) {
                row[j] = rnd.nextGaussian();
            }
        }
        double[][] a = new double[n][n]; // A = BᵀB + 0.1 I
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int k = 0; k < n; k++) {
                    a[i][j] += bm[k][i] * bm[k][j];
                }
            }
            a[i][i] += 0.1;
        }
        Quadratic q = new Quadratic(a, new double[n], 0);
        double[] b = {1, -2, 0.5, 3, 0, -1};
        java.util.function.UnaryOperator<ParameterSet> op = p -> vec(q.mul(get(p)));
        ConjugateGradient.Result exact = ConjugateGradient.solve(op, vec(b), 50, 1e-13);
        assertThat(maxRelDiff(get(exact.x()), gauss(a, b))).isLessThan(1e-9);
        assertThat(exact.relativeResidual()).isLessThan(1e-12);
        ConjugateGradient.Result two = ConjugateGradient.solve(op, vec(b), 2, 0);
        double[] res = q.mul(get(two.x()));
        for (int i = 0; i < n; i++) {
            res[i] = b[i] - res[i];
        }
        assertThat(two.iterations()).isEqualTo(2);
        assertThat(two.relativeResidual()).isCloseTo(norm(res) / norm(b), org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void twoStepsMatchTheMethodWrittenOut() {
        Sibl.Settings st = new Sibl.Settings(0.25, 0.1, 2, 0.1, 1.0, 0.05, true, 10, 1e-13, 1e-3);
        double[] theta = {0.7, -0.05, 1.3, -0.9};
        Tensor t = Vec.theta(theta.clone());
        GradientOracle o = Vec.oracle(t, "forget", F, "retain", R);
        Sibl sibl = new Sibl(st);
        Sgd sgd = new Sgd(0.2);
        // mask: |θ| ≥ the 0.25-quantile of |θ| = 0.05 + 0.75·(0.7 − 0.05): the smallest entry is frozen
        double[] m = {1, 0, 1, 1};
        double lambda = 0;
        for (int step = 0; step < 2; step++) {
            for (int k = 0; k < 2; k++) {
                double[] g = R.grad(theta);
                for (int i = 0; i < 4; i++) {
                    theta[i] -= 0.1 * m[i] * (g[i] + 0.05 * m[i] * Math.signum(theta[i]));
                }
            }
            double[] gf = F.grad(theta);
            double[] gr = R.grad(theta);
            double violation = R.value(theta) - 0.1;
            int[] kept = {0, 2, 3};
            double[][] ak = new double[3][3];
            double[] vk = new double[3];
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    ak[i][j] = R.a[kept[i]][kept[j]];
                }
                vk[i] = gr[kept[i]] + 0.05 * Math.signum(theta[kept[i]]);
            }
            double[] hk = gauss(ak, vk);
            double[] h = new double[4];
            for (int i = 0; i < 3; i++) {
                h[kept[i]] = hk[i];
            }
            double[] fh = F.mul(h);
            double[] rh = R.mul(h);
            double[] want = new double[4];
            for (int i = 0; i < 4; i++) {
                want[i] = m[i] * (gf[i] + lambda * gr[i] - fh[i] - lambda * rh[i]);
            }
            Direction d = sibl.direction(o, new StepContext(step, 0, new Rng(0)));
            assertThat(maxRelDiff(get(t), theta)).as("θ after the inner steps, step %d", step).isLessThan(1e-12);
            assertThat(maxRelDiff(get(d.direction()), want)).as("direction, step %d", step).isLessThan(1e-6);
            assertThat(d.metrics().get("sibl/lambda")).isEqualTo(lambda);
            assertThat(get(sibl.mask())).containsExactly(m);
            lambda = Math.max(0, lambda + violation);
            sgd.step(o.parameters(), d.direction());
            for (int i = 0; i < 4; i++) {
                theta[i] -= 0.2 * want[i];
            }
        }
        assertThat(lambda).as("the dual must have moved for the test to check λ∇L_r").isPositive();
        assertThat(sibl.lambda()).isEqualTo(lambda, org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void badSettingsAreRefused() {
        assertThatThrownBy(() -> new Sibl.Settings(1.0, 0.1, 1, 1e-4, 1, 0, true, 10, 1e-3, 1e-3))
                .hasMessageContaining("sparsity");
        assertThatThrownBy(() -> new Sibl.Settings(0.9, 0.1, 1, 1e-4, 1, 0, true, 0, 1e-3, 1e-3))
                .hasMessageContaining("cg_iters");
    }
}
