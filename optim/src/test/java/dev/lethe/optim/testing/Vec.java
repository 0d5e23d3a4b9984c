package dev.lethe.optim.testing;

import dev.lethe.engine.ParameterSet;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.BufferPool;
import dev.lethe.optim.rule.TapeOracle;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** Small double[] helpers and oracle builders for the analytic tests. */
public final class Vec {
    private Vec() {
    }

    public static Tensor theta(double... x) {
        return Tensor.parameter("theta", Nd4j.createFromArray(x).castTo(DataType.DOUBLE).reshape('c', x.length, 1));
    }

    public static double[] get(Tensor t) {
        return t.value().reshape(t.length()).toDoubleVector();
    }

    public static double[] get(ParameterSet s) {
        return s.get("theta").dup().reshape(s.get("theta").length()).toDoubleVector();
    }

    /** An oracle over θ with the given named quadratics. */
    public static TapeOracle oracle(Tensor theta, Map<String, Quadratic> objectives) {
        Map<String, TapeOracle.TapeLoss> m = new LinkedHashMap<>();
        objectives.forEach((k, q) -> m.put(k, tape -> q.loss(tape, theta)));
        return new TapeOracle(List.of(theta), m, new BufferPool());
    }

    public static TapeOracle oracle(Tensor theta, String n1, Quadratic q1, String n2, Quadratic q2) {
        Map<String, Quadratic> m = new LinkedHashMap<>();
        m.put(n1, q1);
        m.put(n2, q2);
        return oracle(theta, m);
    }

    public static double dot(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += x[i] * y[i];
        }
        return s;
    }

    public static double norm(double[] x) {
        return Math.sqrt(dot(x, x));
    }

    /** x + s y. */
    public static double[] axpy(double[] x, double s, double[] y) {
        double[] r = x.clone();
        for (int i = 0; i < x.length; i++) {
            r[i] += s * y[i];
        }
        return r;
    }

    public static double[] scale(double s, double[] x) {
        return axpy(new double[x.length], s, x);
    }

    /** Central-difference gradient of a scalar function. */
    public static double[] numericGrad(java.util.function.ToDoubleFunction<double[]> f, double[] x, double h) {
        double[] g = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double[] p = x.clone();
            double[] m = x.clone();
            p[i] += h;
            m[i] -= h;
            g[i] = (f.applyAsDouble(p) - f.applyAsDouble(m)) / (2 * h);
        }
        return g;
    }

    public static double maxRelDiff(double[] x, double[] y) {
        double worst = 0;
        double scale = Math.max(norm(x), norm(y)) + 1e-300;
        for (int i = 0; i < x.length; i++) {
            worst = Math.max(worst, Math.abs(x[i] - y[i]) / scale);
        }
        return worst;
    }
}
