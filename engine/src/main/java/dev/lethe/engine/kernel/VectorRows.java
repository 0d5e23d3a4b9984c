package dev.lethe.engine.kernel;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link RowKernels} with the Java Vector API: four floats are loaded, widened to a vector of four doubles, computed
 * as {@link ScalarRows} computes each element, and narrowed back; leftover elements (n % 4) run the scalar formula into
 * the same lanes. Loaded only when {@code jdk.incubator.vector} is present (see {@link RowKernels}).
 */
final class VectorRows implements RowKernels.Impl, RowKernels.VectorRowsMarker {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_128;
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_256;
    private static final int L = 4;

    private static final double LOG2E = 1.4426950408889634;
    private static final double LN2_HI = 0.6931471803691238;
    private static final double LN2_LO = 1.9082149292705877e-10;
    /** 1.5 * 2^52: adding it rounds to an integer (ties to even, as Math.rint) and leaves it in the low bits. */
    private static final double ROUND = 0x1.8p52;
    private static final long ROUND_BITS = Double.doubleToRawLongBits(ROUND);

    /** {@link Exp#exp} lane by lane, the same operations in the same order (so the same bits). */
    static DoubleVector exp(DoubleVector x) {
        DoubleVector k = x.mul(LOG2E).add(ROUND);
        DoubleVector t = k.sub(ROUND);
        DoubleVector r = x.sub(t.mul(LN2_HI)).sub(t.mul(LN2_LO));
        DoubleVector p = r.mul(1.0 / 5040).add(1.0 / 720).mul(r).add(1.0 / 120).mul(r).add(1.0 / 24).mul(r)
                .add(1.0 / 6).mul(r).add(0.5).mul(r).add(1.0).mul(r).add(1.0);
        LongVector e = ((LongVector) k.viewAsIntegralLanes()).sub(ROUND_BITS);
        DoubleVector y = p.mul(twoTo(e, 1023));
        VectorMask<Long> sub = e.compare(VectorOperators.LT, -1022L);
        if (sub.anyTrue()) {
            // 2^t is subnormal in double: scale in two steps
            y = y.blend(p.mul(twoTo(e, 1022 + 1023)).mul(0x1p-1022), sub.cast(D));
        }
        y = y.blend(0.0, x.compare(VectorOperators.LT, -745.0));
        return y.blend(Double.POSITIVE_INFINITY, x.compare(VectorOperators.GT, 709.7));
    }

    /** The doubles whose bits are (e + bias) << 52. */
    private static DoubleVector twoTo(LongVector e, long bias) {
        return (DoubleVector) e.add(bias).lanewise(VectorOperators.LSHL, 52).viewAsFloatingLanes();
    }

    private static DoubleVector sigmoid(DoubleVector x) {
        DoubleVector e = exp(x.lanewise(VectorOperators.ABS).neg());
        DoubleVector onePlus = e.add(1.0);
        DoubleVector neg = e.div(onePlus);
        DoubleVector pos = DoubleVector.broadcast(D, 1.0).div(onePlus);
        return neg.blend(pos, x.compare(VectorOperators.GE, 0.0));
    }

    private static DoubleVector load(float[] a, int j) {
        return (DoubleVector) FloatVector.fromArray(F, a, j).convertShape(VectorOperators.F2D, D, 0);
    }

    private static FloatVector narrow(DoubleVector v) {
        return (FloatVector) v.convertShape(VectorOperators.D2F, F, 0);
    }

    private static double lanesSum(DoubleVector acc, double[] tail) {
        double[] s = acc.toArray();
        for (int i = 0; i < L; i++) {
            s[i] += tail[i];
        }
        return (s[0] + s[1]) + (s[2] + s[3]);
    }

    @Override
    public float max(float[] x, int n) {
        int j = 0;
        float m = Float.NEGATIVE_INFINITY;
        if (n >= L) {
            FloatVector acc = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (; j <= n - L; j += L) {
                acc = acc.lanewise(VectorOperators.MAX, FloatVector.fromArray(F, x, j));
            }
            for (int i = 0; i < L; i++) {
                m = Math.max(m, acc.lane(i));
            }
        }
        for (; j < n; j++) {
            m = Math.max(m, x[j]);
        }
        return m;
    }

    @Override
    public double sumExp(float[] x, int n, double shift) {
        DoubleVector acc = DoubleVector.zero(D);
        int j = 0;
        for (; j <= n - L; j += L) {
            acc = acc.add(exp(load(x, j).sub(shift)));
        }
        double[] tail = new double[L];
        for (; j < n; j++) {
            tail[j & 3] = Exp.exp(x[j] - shift);
        }
        return lanesSum(acc, tail);
    }

    @Override
    public double expInPlace(float[] x, int n, double shift) {
        DoubleVector acc = DoubleVector.zero(D);
        int j = 0;
        for (; j <= n - L; j += L) {
            DoubleVector e = exp(load(x, j).sub(shift));
            narrow(e).intoArray(x, j);
            acc = acc.add(e);
        }
        double[] tail = new double[L];
        for (; j < n; j++) {
            double e = Exp.exp(x[j] - shift);
            x[j] = (float) e;
            tail[j & 3] = e;
        }
        return lanesSum(acc, tail);
    }

    @Override
    public void scaledExpInPlace(float[] x, int n, double shift, double alpha) {
        int j = 0;
        for (; j <= n - L; j += L) {
            narrow(exp(load(x, j).sub(shift)).mul(alpha)).intoArray(x, j);
        }
        for (; j < n; j++) {
            x[j] = (float) (alpha * Exp.exp(x[j] - shift));
        }
    }

    @Override
    public double dot(float[] a, float[] b, int n) {
        DoubleVector acc = DoubleVector.zero(D);
        int j = 0;
        for (; j <= n - L; j += L) {
            acc = acc.add(load(a, j).mul(load(b, j)));
        }
        double[] tail = new double[L];
        for (; j < n; j++) {
            tail[j & 3] = (double) a[j] * b[j];
        }
        return lanesSum(acc, tail);
    }

    @Override
    public void softmaxGrad(float[] p, float[] d, int n, double dot, double scale) {
        int j = 0;
        for (; j <= n - L; j += L) {
            narrow(load(p, j).mul(load(d, j).sub(dot)).mul(scale)).intoArray(d, j);
        }
        for (; j < n; j++) {
            d[j] = (float) (p[j] * (d[j] - dot) * scale);
        }
    }

    @Override
    public void swiglu(float[] gate, float[] up, float[] out, int n) {
        int j = 0;
        for (; j <= n - L; j += L) {
            DoubleVector x = load(gate, j);
            narrow(x.mul(sigmoid(x))).mul(FloatVector.fromArray(F, up, j)).intoArray(out, j);
        }
        ScalarRows.swigluFrom(j, gate, up, out, n);
    }

    @Override
    public void swigluGrad(float[] gy, float[] gate, float[] up, float[] accGate, float[] accUp, int n) {
        // three loops over a staged sigmoid, each its own method: one loop doing all of it is more than C2 inlines,
        // and vectors that cross a call it did not inline are boxed (several times slower)
        int full = n - n % L;
        double[] sig = new double[full];
        sigmoidRow(gate, sig, full);
        if (accUp != null) {
            upGradRow(gy, gate, sig, accUp, full);
        }
        if (accGate != null) {
            gateGradRow(gy, gate, up, sig, accGate, full);
        }
        ScalarRows.swigluGradFrom(full, gy, gate, up, accGate, accUp, n);
    }

    private static void sigmoidRow(float[] gate, double[] sig, int full) {
        for (int j = 0; j < full; j += L) {
            sigmoid(load(gate, j)).intoArray(sig, j);
        }
    }

    /** accUp += gy * (float) (x sigmoid(x)). */
    private static void upGradRow(float[] gy, float[] gate, double[] sig, float[] accUp, int full) {
        for (int j = 0; j < full; j += L) {
            FloatVector silu = narrow(load(gate, j).mul(DoubleVector.fromArray(D, sig, j)));
            FloatVector.fromArray(F, accUp, j).add(FloatVector.fromArray(F, gy, j).mul(silu)).intoArray(accUp, j);
        }
    }

    /** accGate += (float) ((gy * up) * s (1 + x (1 - s))), s = sigmoid(x). */
    private static void gateGradRow(float[] gy, float[] gate, float[] up, double[] sig, float[] accGate, int full) {
        for (int j = 0; j < full; j += L) {
            DoubleVector x = load(gate, j);
            DoubleVector s = DoubleVector.fromArray(D, sig, j);
            DoubleVector gs = (DoubleVector) FloatVector.fromArray(F, gy, j).mul(FloatVector.fromArray(F, up, j))
                    .convertShape(VectorOperators.F2D, D, 0);
            DoubleVector ds = s.mul(x.mul(s.neg().add(1.0)).add(1.0));
            FloatVector.fromArray(F, accGate, j).add(narrow(gs.mul(ds))).intoArray(accGate, j);
        }
    }
}
