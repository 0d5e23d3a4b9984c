package dev.lethe.optim.testing;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.ops.Elementwise;
import dev.lethe.engine.ops.MatMul;
import dev.lethe.engine.ops.Reductions;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * L(θ) = ½ θᵀAθ − bᵀθ + c on a column vector θ [n, 1], recorded with engine ops in float64 for the oracles, and the
 * same function, gradient Aθ − b and Hessian A in plain Java for the expected values.
 */
public final class Quadratic {
    public final double[][] a;
    public final double[] b;
    public final double c;

    public Quadratic(double[][] a, double[] b, double c) {
        this.a = a;
        this.b = b;
        this.c = c;
    }

    /** ½‖θ − centre‖² (A = I, b = centre, c = ½‖centre‖²). */
    public static Quadratic ball(double... centre) {
        int n = centre.length;
        double[][] id = new double[n][n];
        double cc = 0;
        for (int i = 0; i < n; i++) {
            id[i][i] = 1;
            cc += 0.5 * centre[i] * centre[i];
        }
        return new Quadratic(id, centre.clone(), cc);
    }

    public int dim() {
        return b.length;
    }

    private Tensor am;
    private Tensor bv;

    public Tensor loss(Tape tape, Tensor theta) {
        int n = dim();
        if (am == null) {
            double[] flat = new double[n * n];
            for (int i = 0; i < n; i++) {
                System.arraycopy(a[i], 0, flat, i * n, n);
            }
            am = Tensor.constant(DataType.DOUBLE, flat, n, n);
            bv = Tensor.constant(DataType.DOUBLE, b, n, 1);
        }
        Tensor at = MatMul.matmul(tape, am, theta); // Aθ
        Tensor quad = Elementwise.mulScalar(tape, Reductions.sumAll(tape, Elementwise.mul(tape, theta, at)), 0.5);
        Tensor lin = Reductions.sumAll(tape, Elementwise.mul(tape, bv, theta));
        return Elementwise.addScalar(tape, Elementwise.sub(tape, quad, lin), c);
    }

    public double value(double[] x) {
        double s = c;
        for (int i = 0; i < dim(); i++) {
            double ax = 0;
            for (int j = 0; j < dim(); j++) {
                ax += a[i][j] * x[j];
            }
            s += 0.5 * x[i] * ax - b[i] * x[i];
        }
        return s;
    }

    public double[] grad(double[] x) {
        double[] g = mul(x);
        for (int i = 0; i < dim(); i++) {
            g[i] -= b[i];
        }
        return g;
    }

    /** A x. */
    public double[] mul(double[] x) {
        double[] y = new double[dim()];
        for (int i = 0; i < dim(); i++) {
            for (int j = 0; j < dim(); j++) {
                y[i] += a[i][j] * x[j];
            }
        }
        return y;
    }

    public double trace() {
        double t = 0;
        for (int i = 0; i < dim(); i++) {
            t += a[i][i];
        }
        return t;
    }
}
