package dev.lethe.engine.kernel;

/**
 * The float32 row kernels of the training step (softmax rows, log-softmax rows, SwiGLU), computed in double precision
 * four lanes at a time. One implementation is chosen here, once, at class initialisation: the Java Vector API
 * ({@code jdk.incubator.vector}, 256-bit vectors of four doubles; the launcher, the tests and JMH start the JVM with
 * {@code --add-modules jdk.incubator.vector}) or, where that module is absent or {@code -Dlethe.vector=false}, plain
 * loops. Both keep four partial sums, lane {@code j % 4} taking element j, and add them as (s0 + s1) + (s2 + s3), and
 * both evaluate {@link Exp#exp}'s formula, so they return the same bits on every machine (RowKernelsTest). Arrays are
 * heap rows staged by the ops; every method reads and writes elements [0, n).
 */
public final class RowKernels {
    /** The kernels; {@link ScalarRows} is the reference, {@link VectorRows} the Vector API version. */
    public interface Impl {
        /** max_j x[j] (NaN if any is NaN). */
        float max(float[] x, int n);

        /** sum_j e^(x[j] - shift). */
        double sumExp(float[] x, int n, double shift);

        /** x[j] = (float) e^(x[j] - shift); returns the sum of the unrounded e^(x[j] - shift). */
        double expInPlace(float[] x, int n, double shift);

        /** x[j] = (float) (alpha * e^(x[j] - shift)). */
        void scaledExpInPlace(float[] x, int n, double shift, double alpha);

        /** sum_j (double) a[j] * b[j]. */
        double dot(float[] a, float[] b, int n);

        /** The softmax rule: d[j] = (float) (p[j] * (d[j] - dot) * scale). */
        void softmaxGrad(float[] p, float[] d, int n, double dot, double scale);

        /** SwiGLU forward: out[j] = (float) (x sigmoid(x)) * up[j], x = gate[j]. */
        void swiglu(float[] gate, float[] up, float[] out, int n);

        /**
         * SwiGLU backward, accumulating: accUp[j] += gy[j] * (float) (x sigmoid(x)); accGate[j] += (float) ((gy[j] *
         * up[j]) * sigmoid(x) (1 + x (1 - sigmoid(x)))); either accumulator may be null.
         */
        void swigluGrad(float[] gy, float[] gate, float[] up, float[] accGate, float[] accUp, int n);
    }

    private static final Impl IMPL = choose();

    private RowKernels() {
    }

    private static Impl choose() {
        boolean wanted = !"false".equals(System.getProperty("lethe.vector"));
        if (wanted && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
            try {
                // by name, so that this class never links against the incubator module when it is absent
                return (Impl) Class.forName(RowKernels.class.getPackageName() + ".VectorRows")
                        .getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException | LinkageError e) {
                return new ScalarRows();
            }
        }
        return new ScalarRows();
    }

    /** True when the Vector API kernels are in use. */
    public static boolean vectorized() {
        return IMPL instanceof VectorRowsMarker;
    }

    /** Implemented by the Vector API kernels only (lets {@link #vectorized} ask without loading them). */
    interface VectorRowsMarker {
    }

    /**
     * The sigmoid every float32 kernel uses, for single elements: 1 / (1 + e^-|x|) for x >= 0, e^-|x| / (1 + e^-|x|)
     * otherwise (no overflow), with {@link Exp#exp}.
     */
    public static double sigmoid(double x) {
        return ScalarRows.sigmoid(x);
    }

    public static float max(float[] x, int n) {
        return IMPL.max(x, n);
    }

    public static double sumExp(float[] x, int n, double shift) {
        return IMPL.sumExp(x, n, shift);
    }

    public static double expInPlace(float[] x, int n, double shift) {
        return IMPL.expInPlace(x, n, shift);
    }

    public static void scaledExpInPlace(float[] x, int n, double shift, double alpha) {
        IMPL.scaledExpInPlace(x, n, shift, alpha);
    }

    public static double dot(float[] a, float[] b, int n) {
        return IMPL.dot(a, b, n);
    }

    public static void softmaxGrad(float[] p, float[] d, int n, double dot, double scale) {
        IMPL.softmaxGrad(p, d, n, dot, scale);
    }

    public static void swiglu(float[] gate, float[] up, float[] out, int n) {
        IMPL.swiglu(gate, up, out, n);
    }

    public static void swigluGrad(float[] gy, float[] gate, float[] up, float[] accGate, float[] accUp, int n) {
        IMPL.swigluGrad(gy, gate, up, accGate, accUp, n);
    }

    /** The implementation in use. */
    public static Impl impl() {
        return IMPL;
    }

    /** The plain-loop implementation (the reference; benchmarks compare the vector kernels with it). */
    public static Impl scalar() {
        return new ScalarRows();
    }
}
