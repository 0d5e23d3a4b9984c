package dev.lethe.engine.kernel;

/**
 * {@link RowKernels} as plain loops: the reference semantics, and the fallback where {@code jdk.incubator.vector} is
 * absent. Sums keep four partial sums (element j goes to lane j % 4) like the vector kernels.
 */
final class ScalarRows implements RowKernels.Impl {
    /** Sigmoid as the float32 kernels compute it: 1 / (1 + e^-|x|) for x >= 0, e^-|x| / (1 + e^-|x|) otherwise. */
    static double sigmoid(double x) {
        double e = Exp.exp(-Math.abs(x));
        return x >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
    }

    @Override
    public float max(float[] x, int n) {
        float m = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            m = Math.max(m, x[j]);
        }
        return m;
    }

    @Override
    public double sumExp(float[] x, int n, double shift) {
        double[] s = new double[4];
        for (int j = 0; j < n; j++) {
            s[j & 3] += Exp.exp(x[j] - shift);
        }
        return (s[0] + s[1]) + (s[2] + s[3]);
    }

    @Override
    public double expInPlace(float[] x, int n, double shift) {
        double[] s = new double[4];
        for (int j = 0; j < n; j++) {
            double e = Exp.exp(x[j] - shift);
            x[j] = (float) e;
            s[j & 3] += e;
        }
        return (s[0] + s[1]) + (s[2] + s[3]);
    }

    @Override
    public void scaledExpInPlace(float[] x, int n, double shift, double alpha) {
        for (int j = 0; j < n; j++) {
            x[j] = (float) (alpha * Exp.exp(x[j] - shift));
        }
    }

    @Override
    public double dot(float[] a, float[] b, int n) {
        double[] s = new double[4];
        for (int j = 0; j < n; j++) {
            s[j & 3] += (double) a[j] * b[j];
        }
        return (s[0] + s[1]) + (s[2] + s[3]);
    }

    @Override
    public void softmaxGrad(float[] p, float[] d, int n, double dot, double scale) {
        for (int j = 0; j < n; j++) {
            d[j] = (float) (p[j] * (d[j] - dot) * scale);
        }
    }

    @Override
    public void swiglu(float[] gate, float[] up, float[] out, int n) {
        swigluFrom(0, gate, up, out, n);
    }

    /** {@link #swiglu} for elements [from, n) (the vector kernels' leftover elements). */
    static void swigluFrom(int from, float[] gate, float[] up, float[] out, int n) {
        for (int j = from; j < n; j++) {
            double x = gate[j];
            out[j] = (float) (x * sigmoid(x)) * up[j];
        }
    }

    @Override
    public void swigluGrad(float[] gy, float[] gate, float[] up, float[] accGate, float[] accUp, int n) {
        swigluGradFrom(0, gy, gate, up, accGate, accUp, n);
    }

    /** {@link #swigluGrad} for elements [from, n). */
    static void swigluGradFrom(int from, float[] gy, float[] gate, float[] up, float[] accGate, float[] accUp, int n) {
        for (int j = from; j < n; j++) {
            double x = gate[j];
            double s = sigmoid(x);
            if (accUp != null) {
                accUp[j] = accUp[j] + gy[j] * (float) (x * s);
            }
            if (accGate != null) {
                float gs = gy[j] * up[j];
                accGate[j] = accGate[j] + (float) (gs * (s * (1.0 + x * (1.0 - s))));
            }
        }
    }
}
