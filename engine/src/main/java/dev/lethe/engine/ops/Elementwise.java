package dev.lethe.engine.ops;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.engine.kernel.Exp;
import dev.lethe.engine.kernel.Erf;
import dev.lethe.engine.kernel.Loops;
import dev.lethe.engine.kernel.Par;
import dev.lethe.engine.kernel.RowKernels;
import dev.lethe.engine.kernel.Shapes;
import dev.lethe.engine.kernel.Walk;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Elementwise ops with NumPy broadcasting: add, sub, mul, div, scalar ops, and the unary functions and activations
 * a transformer and its losses need (exp, log, sqrt, rsqrt, pow, abs, tanh, sigmoid, log-sigmoid, SiLU, GELU in tanh and
 * erf form, ReLU, clamp). Inputs may have any strides; outputs are contiguous. Backward rules sum over broadcast axes.
 */
public final class Elementwise {
    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);
    private static final double INV_SQRT_2 = 1.0 / Math.sqrt(2.0);
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);

    private Elementwise() {
    }

    private enum Binary { ADD, SUB, MUL, DIV }

    public static Tensor add(Tape tape, Tensor a, Tensor b) {
        return binary(tape, a, b, Binary.ADD);
    }

    public static Tensor sub(Tape tape, Tensor a, Tensor b) {
        return binary(tape, a, b, Binary.SUB);
    }

    public static Tensor mul(Tape tape, Tensor a, Tensor b) {
        return binary(tape, a, b, Binary.MUL);
    }

    public static Tensor div(Tape tape, Tensor a, Tensor b) {
        return binary(tape, a, b, Binary.DIV);
    }

    private static Tensor binary(Tape tape, Tensor a, Tensor b, Binary op) {
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException(op + ": dtypes differ (" + a.dtype() + " vs " + b.dtype() + ")");
        }
        INDArray av = a.value();
        INDArray bv = b.value();
        long[] shape = Shapes.broadcast(av.shape(), bv.shape());
        long[] sa = Shapes.broadcastStrides(av.shape(), av.stride(), shape);
        long[] sb = Shapes.broadcastStrides(bv.shape(), bv.stride(), shape);
        INDArray out = tape.allocate(a.dtype(), shape);
        Buf pa = Buf.of(av);
        Buf pb = Buf.of(bv);
        Buf po = Buf.of(out);
        Walk w = Walk.of(shape, sa, sb, out.stride());
        if (pa.isFloat()) {
            FloatBuffer fa = pa.floats();
            FloatBuffer fb = pb.floats();
            FloatBuffer fo = po.floats();
            // float +, -, *, / of two floats equal the double operation rounded to float
            switch (op) {
                case ADD -> w.run(true, (off, st, len) -> {
                    for (int j = 0, ia = off[0], ib = off[1], io = off[2]; j < len;
                            j++, ia += st[0], ib += st[1], io += st[2]) {
                        fo.put(io, fa.get(ia) + fb.get(ib));
                    }
                });
                case SUB -> w.run(true, (off, st, len) -> {
                    for (int j = 0, ia = off[0], ib = off[1], io = off[2]; j < len;
                            j++, ia += st[0], ib += st[1], io += st[2]) {
                        fo.put(io, fa.get(ia) - fb.get(ib));
                    }
                });
                case MUL -> w.run(true, (off, st, len) -> {
                    for (int j = 0, ia = off[0], ib = off[1], io = off[2]; j < len;
                            j++, ia += st[0], ib += st[1], io += st[2]) {
                        fo.put(io, fa.get(ia) * fb.get(ib));
                    }
                });
                case DIV -> w.run(true, (off, st, len) -> {
                    for (int j = 0, ia = off[0], ib = off[1], io = off[2]; j < len;
                            j++, ia += st[0], ib += st[1], io += st[2]) {
                        fo.put(io, fa.get(ia) / fb.get(ib));
                    }
                });
            }
        } else {
            DoubleBuffer da = pa.doubles();
            DoubleBuffer db = pb.doubles();
            DoubleBuffer dout = po.doubles();
            w.run(true, (off, st, len) -> {
                for (int j = 0, ia = off[0], ib = off[1], io = off[2]; j < len;
                        j++, ia += st[0], ib += st[1], io += st[2]) {
                    double x = da.get(ia);
                    double y = db.get(ib);
                    dout.put(io, switch (op) {
                        case ADD -> x + y;
                        case SUB -> x - y;
                        case MUL -> x * y;
                        case DIV -> x / y;
                    });
                }
            });
        }
        return tape.record(out, g -> {
            if (op == Binary.ADD || op == Binary.SUB) {
                if (a.requiresGrad()) {
                    tape.addToGrad(a, g);
                }
                if (b.requiresGrad() && op == Binary.ADD) {
                    tape.addToGrad(b, g);
                } else if (b.requiresGrad()) {
                    Loops.accumulate(tape.gradFor(b), g, -1.0);
                }
                return;
            }
            Buf pg = Buf.of(g);
            boolean mul = op == Binary.MUL;
            if (a.requiresGrad()) {
                // ga += g * b (mul) or g / b (div)
                INDArray ga = tape.gradFor(a);
                long[] sga = Shapes.broadcastStrides(ga.shape(), ga.stride(), shape);
                Walk j = Walk.of(shape, g.stride(), sb, sga);
                boolean par = !Loops.hasBroadcast(shape, sga);
                Buf pga = Buf.of(ga);
                if (pg.isFloat()) {
                    FloatBuffer fg = pg.floats();
                    FloatBuffer fb = pb.floats();
                    FloatBuffer fga = pga.floats();
                    j.run(par, (off, st, len) -> {
                        for (int i = 0, ig = off[0], ib = off[1], io = off[2]; i < len;
                                i++, ig += st[0], ib += st[1], io += st[2]) {
                            float v = mul ? fg.get(ig) * fb.get(ib) : fg.get(ig) / fb.get(ib);
                            fga.put(io, fga.get(io) + v);
                        }
                    });
                } else {
                    DoubleBuffer dg = pg.doubles();
                    DoubleBuffer db = pb.doubles();
                    DoubleBuffer dga = pga.doubles();
                    j.run(par, (off, st, len) -> {
                        for (int i = 0, ig = off[0], ib = off[1], io = off[2]; i < len;
                                i++, ig += st[0], ib += st[1], io += st[2]) {
                            double v = mul ? dg.get(ig) * db.get(ib) : dg.get(ig) / db.get(ib);
                            dga.put(io, dga.get(io) + v);
                        }
                    });
                }
            }
            if (b.requiresGrad()) {
                // gb += g * a (mul) or -g * a / b^2 (div)
                INDArray gb = tape.gradFor(b);
                long[] sgb = Shapes.broadcastStrides(gb.shape(), gb.stride(), shape);
                Walk j = Walk.of(shape, g.stride(), sa, sb, sgb);
                boolean par = !Loops.hasBroadcast(shape, sgb);
                Buf pgb = Buf.of(gb);
                if (pg.isFloat()) {
                    FloatBuffer fg = pg.floats();
                    FloatBuffer fa = pa.floats();
                    FloatBuffer fb = pb.floats();
                    FloatBuffer fgb = pgb.floats();
                    j.run(par, (off, st, len) -> {
                        for (int i = 0, ig = off[0], ia = off[1], ib = off[2], io = off[3]; i < len;
                                i++, ig += st[0], ia += st[1], ib += st[2], io += st[3]) {
                            float v;
                            if (mul) {
                                v = fg.get(ig) * fa.get(ia);
                            } else {
                                double y = fb.get(ib);
                                v = (float) (-(double) fg.get(ig) * fa.get(ia) / (y * y));
                            }
                            fgb.put(io, fgb.get(io) + v);
                        }
                    });
                } else {
                    DoubleBuffer dg = pg.doubles();
                    DoubleBuffer da = pa.doubles();
                    DoubleBuffer db = pb.doubles();
                    DoubleBuffer dgb = pgb.doubles();
                    j.run(par, (off, st, len) -> {
                        for (int i = 0, ig = off[0], ia = off[1], ib = off[2], io = off[3]; i < len;
                                i++, ig += st[0], ia += st[1], ib += st[2], io += st[3]) {
                            double v;
                            if (mul) {
                                v = dg.get(ig) * da.get(ia);
                            } else {
                                double y = db.get(ib);
                                v = -dg.get(ig) * da.get(ia) / (y * y);
                            }
                            dgb.put(io, dgb.get(io) + v);
                        }
                    });
                }
            }
        }, a, b);
    }

    /** A pointwise function with its derivative, given the input x and the output y = f(x). */
    private interface Pointwise {
        double f(double x);

        double df(double x, double y);

        /** f for float32 tensors (may trade float64-level accuracy for speed, never float32-level). */
        default double f32(double x) {
            return f(x);
        }

        /** df for float32 tensors. */
        default double df32(double x, double y) {
            return df(x, y);
        }
    }

    private static Tensor unary(Tape tape, Tensor a, Pointwise fn) {
        INDArray av = a.value();
        long[] shape = av.shape();
        INDArray out = tape.allocate(a.dtype(), shape);
        Buf pa = Buf.of(av);
        Buf po = Buf.of(out);
        Walk w = Walk.of(shape, av.stride(), out.stride());
        if (pa.isFloat()) {
            FloatBuffer fa = pa.floats();
            FloatBuffer fo = po.floats();
            w.run(true, (off, st, len) -> {
                for (int j = 0, ia = off[0], io = off[1]; j < len; j++, ia += st[0], io += st[1]) {
                    fo.put(io, (float) fn.f32(fa.get(ia)));
                }
            });
        } else {
            DoubleBuffer da = pa.doubles();
            DoubleBuffer dout = po.doubles();
            w.run(true, (off, st, len) -> {
                for (int j = 0, ia = off[0], io = off[1]; j < len; j++, ia += st[0], io += st[1]) {
                    dout.put(io, fn.f(da.get(ia)));
                }
            });
        }
        return tape.record(out, g -> {
            INDArray ga = tape.gradFor(a);
            Buf pg = Buf.of(g);
            Buf pga = Buf.of(ga);
            Walk j = Walk.of(shape, g.stride(), av.stride(), out.stride(), ga.stride());
            boolean par = !Loops.hasBroadcast(shape, ga.stride());
            if (pg.isFloat()) {
                FloatBuffer fg = pg.floats();
                FloatBuffer fa = pa.floats();
                FloatBuffer fo = po.floats();
                FloatBuffer fga = pga.floats();
                j.run(par, (off, st, len) -> {
                    for (int i = 0, ig = off[0], ia = off[1], io = off[2], ix = off[3]; i < len;
                            i++, ig += st[0], ia += st[1], io += st[2], ix += st[3]) {
                        fga.put(ix, fga.get(ix) + (float) (fg.get(ig) * fn.df32(fa.get(ia), fo.get(io))));
                    }
                });
            } else {
                DoubleBuffer dg = pg.doubles();
                DoubleBuffer da = pa.doubles();
                DoubleBuffer dout = po.doubles();
                DoubleBuffer dga = pga.doubles();
                j.run(par, (off, st, len) -> {
                    for (int i = 0, ig = off[0], ia = off[1], io = off[2], ix = off[3]; i < len;
                            i++, ig += st[0], ia += st[1], io += st[2], ix += st[3]) {
                        dga.put(ix, dga.get(ix) + dg.get(ig) * fn.df(da.get(ia), dout.get(io)));
                    }
                });
            }
        }, a);
    }

    /**
     * SwiGLU's gating, fused: silu(gate) * up in one pass (arXiv 2002.05202), with one backward pass for both inputs.
     * Equal to {@code mul(silu(gate), up)} bit for bit (the same formulas, rounded at the same points), without storing
     * the SiLU output. gate and up must have the same shape; any strides.
     */
    public static Tensor swiglu(Tape tape, Tensor gate, Tensor up) {
        if (gate.dtype() != up.dtype()) {
            throw new IllegalArgumentException("swiglu: dtypes differ (" + gate.dtype() + " vs " + up.dtype() + ")");
        }
        INDArray gv = gate.value();
        INDArray uv = up.value();
        long[] shape = gv.shape();
        if (!java.util.Arrays.equals(shape, uv.shape())) {
            throw new IllegalArgumentException("swiglu: gate " + java.util.Arrays.toString(shape) + " and up "
                    + java.util.Arrays.toString(uv.shape()) + " differ");
        }
        INDArray out = tape.allocate(gate.dtype(), shape);
        Buf pgt = Buf.of(gv);
        Buf pu = Buf.of(uv);
        Buf po = Buf.of(out);
        Walk w = Walk.of(shape, gv.stride(), uv.stride(), out.stride());
        boolean dense = pgt.isFloat() && Loops.isContiguous(gv) && Loops.isContiguous(uv);
        if (dense) {
            swigluDense(pgt.floats(), pu.floats(), po.floats(), (int) out.length());
        } else if (pgt.isFloat()) {
            FloatBuffer fgt = pgt.floats();
            FloatBuffer fu = pu.floats();
            FloatBuffer fo = po.floats();
            w.run(true, (off, st, len) -> {
                for (int j = 0, ia = off[0], ib = off[1], io = off[2]; j < len;
                        j++, ia += st[0], ib += st[1], io += st[2]) {
                    double x = fgt.get(ia);
                    float s = (float) (x * sigmoid32(x));
                    fo.put(io, s * fu.get(ib));
                }
            });
        } else {
            DoubleBuffer dgt = pgt.doubles();
            DoubleBuffer du = pu.doubles();
            DoubleBuffer dout = po.doubles();
            w.run(true, (off, st, len) -> {
                for (int j = 0, ia = off[0], ib = off[1], io = off[2]; j < len;
                        j++, ia += st[0], ib += st[1], io += st[2]) {
                    double x = dgt.get(ia);
                    dout.put(io, x * stableSigmoid(x) * du.get(ib));
                }
            });
        }
        return tape.record(out, g -> {
            boolean wantGate = gate.requiresGrad();
            boolean wantUp = up.requiresGrad();
            INDArray gg = wantGate ? tape.gradFor(gate) : g;
            INDArray gu = wantUp ? tape.gradFor(up) : g;
            Buf pg = Buf.of(g);
            Buf pgg = Buf.of(gg);
            Buf pgu = Buf.of(gu);
            Walk j = Walk.of(shape, g.stride(), gv.stride(), uv.stride(), gg.stride(), gu.stride());
            if (dense && gate != up && Loops.isContiguous(g) && Loops.isContiguous(gg) && Loops.isContiguous(gu)) {
                swigluBackwardDense(pg.floats(), pgt.floats(), pu.floats(), wantGate ? pgg.floats() : null,
                        wantUp ? pgu.floats() : null, (int) g.length());
            } else if (pg.isFloat()) {
                FloatBuffer fg = pg.floats();
                FloatBuffer fgt = pgt.floats();
                FloatBuffer fu = pu.floats();
                FloatBuffer fgg = pgg.floats();
                FloatBuffer fgu = pgu.floats();
                j.run(true, (off, st, len) -> {
                    for (int i = 0, ig = off[0], ia = off[1], ib = off[2], ka = off[3], kb = off[4]; i < len;
                            i++, ig += st[0], ia += st[1], ib += st[2], ka += st[3], kb += st[4]) {
                        float gy = fg.get(ig);
                        double x = fgt.get(ia);
                        double sg = sigmoid32(x);
                        if (wantUp) {
                            float s = (float) (x * sg);
                            fgu.put(kb, fgu.get(kb) + gy * s);
                        }
                        if (wantGate) {
                            float gs = gy * fu.get(ib);
                            fgg.put(ka, fgg.get(ka) + (float) (gs * (sg * (1.0 + x * (1.0 - sg)))));
                        }
                    }
                });
            } else {
                DoubleBuffer dg = pg.doubles();
                DoubleBuffer dgt = pgt.doubles();
                DoubleBuffer du = pu.doubles();
                DoubleBuffer dgg = pgg.doubles();
                DoubleBuffer dgu = pgu.doubles();
                j.run(true, (off, st, len) -> {
                    for (int i = 0, ig = off[0], ia = off[1], ib = off[2], ka = off[3], kb = off[4]; i < len;
                            i++, ig += st[0], ia += st[1], ib += st[2], ka += st[3], kb += st[4]) {
                        double gy = dg.get(ig);
                        double x = dgt.get(ia);
                        double sg = stableSigmoid(x);
                        if (wantUp) {
                            dgu.put(kb, dgu.get(kb) + gy * (x * sg));
                        }
                        if (wantGate) {
                            double gs = gy * du.get(ib);
                            dgg.put(ka, dgg.get(ka) + gs * (sg * (1.0 + x * (1.0 - sg))));
                        }
                    }
                });
            }
        }, gate, up);
    }

    public static Tensor addScalar(Tape tape, Tensor a, double s) {
        return unary(tape, a, new Pointwise() {
            public double f(double x) {
                return x + s;
            }

            public double df(double x, double y) {
                return 1.0;
            }
        });
    }

    public static Tensor mulScalar(Tape tape, Tensor a, double s) {
        return unary(tape, a, new Pointwise() {
            public double f(double x) {
                return x * s;
            }

            public double df(double x, double y) {
                return s;
            }
        });
    }

    /** s - a. */
    public static Tensor rsubScalar(Tape tape, Tensor a, double s) {
        return unary(tape, a, new Pointwise() {
            public double f(double x) {
                return s - x;
            }

            public double df(double x, double y) {
                return -1.0;
            }
        });
    }

    public static Tensor neg(Tape tape, Tensor a) {
        return mulScalar(tape, a, -1.0);
    }

    public static Tensor exp(Tape tape, Tensor a) {
        return unary(tape, a, new Pointwise() {
            public double f(double x) {
                return Math.exp(x);
            }

            public double df(double x, double y) {
                return y;
            }
        });
    }

    public static Tensor log(Tape tape, Tensor a) {
        return unary(tape, a, new Pointwise() {
            public double f(double x) {
                return Math.log(x);
            }

            public double df(double x, double y) {
                return 1.0 / x;
            }
        });
    }

    public static Tensor sqrt(Tape tape, Tensor a) {
        return unary(tape, a, new Pointwise() {
            public double f(double x) {
                return Math.sqrt(x);
            }

            public double df(double x, double y) {
                return 0.5 / y;
            }
        });
    }

    public static Tensor rsqrt(Tape tape, Tensor a) {
        return unary(tape, a, new Pointwise() {
            public double f(double x) {
                return 1.0 / Math.sqrt(x);
            }

            public double df(double x, double y) {
                return -0.5 * y / x;
            }
        });
    }

    /** a^p for a scalar exponent p. */
    public static Tensor pow(Tape tape, Tensor a, double p) {
        return unary(tape, a, new Pointwise() {
            public double f(double x) {
                return Math.pow(x, p);
            }

            public double df(double x, double y) {
                return p == 0 ? 0.0 : p * Math.pow(x, p - 1);
            }
        });
    }

    /** |a|, with derivative sign(a) (0 at 0, as PyTorch). */
    public static Tensor abs(Tape tape, Tensor a) {
        return unary(tape, a, new Pointwise() {
            public double f(double x) {
                return Math.abs(x);
            }

            public double df(double x, double y) {
                return Math.signum(x);
            }
        });
    }

    public static Tensor tanh(Tape tape, Tensor a) {
        return unary(tape, a, new Pointwise() {
            public double f(double x) {
                return Math.tanh(x);
            }

            public double df(double x, double y) {
                return 1.0 - y * y;
            }
        });
    }

    public static Tensor sigmoid(Tape tape, Tensor a) {
        return unary(tape, a, new Pointwise() {
            public double f(double x) {
                return stableSigmoid(x);
            }

            public double df(double x, double y) {
                return y * (1.0 - y);
            }

            public double f32(double x) {
                return sigmoid32(x);
            }
        });
    }

    /** log(sigmoid(a)) = -softplus(-a), computed without overflow. */
    public static Tensor logSigmoid(Tape tape, Tensor a) {
        return unary(tape, a, new Pointwise() {
            public double f(double x) {
                return Math.min(x, 0.0) - Math.log1p(Math.exp(-Math.abs(x)));
            }

            public double df(double x, double y) {
                return stableSigmoid(-x);
            }
        });
    }

    /** SiLU (swish): x * sigmoid(x). */
    public static Tensor silu(Tape tape, Tensor a) {
        return unary(tape, a, new Pointwise() {
            public double f(double x) {
                return x * stableSigmoid(x);
            }

            public double df(double x, double y) {
                double s = stableSigmoid(x);
                return s * (1.0 + x * (1.0 - s));
            }

            public double f32(double x) {
                return x * sigmoid32(x);
            }

            public double df32(double x, double y) {
                double s = sigmoid32(x);
                return s * (1.0 + x * (1.0 - s));
            }
        });
    }

    /** GELU, tanh approximation (GPT-2's gelu_new, gelu_pytorch_tanh). */
    public static Tensor geluTanh(Tape tape, Tensor a) {
        return unary(tape, a, new Pointwise() {
            public double f(double x) {
                return 0.5 * x * (1.0 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
            }

            public double df(double x, double y) {
                double u = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
                double t = Math.tanh(u);
                double du = SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * x * x);
                return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du;
            }
        });
    }

    /** GELU, exact erf form: x * Phi(x). */
    public static Tensor geluErf(Tape tape, Tensor a) {
        return unary(tape, a, new Pointwise() {
            public double f(double x) {
                return 0.5 * x * (1.0 + Erf.erf(x * INV_SQRT_2));
            }

            public double df(double x, double y) {
                return 0.5 * (1.0 + Erf.erf(x * INV_SQRT_2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
            }
        });
    }

    public static Tensor relu(Tape tape, Tensor a) {
        return unary(tape, a, new Pointwise() {
            public double f(double x) {
                return x > 0 ? x : 0.0;
            }

            public double df(double x, double y) {
                return x > 0 ? 1.0 : 0.0;
            }
        });
    }

    /** min(max(a, lo), hi); the gradient passes where lo <= a <= hi (as PyTorch's clamp). */
    public static Tensor clamp(Tape tape, Tensor a, double lo, double hi) {
        return unary(tape, a, new Pointwise() {
            public double f(double x) {
                return Math.min(Math.max(x, lo), hi);
            }

            public double df(double x, double y) {
                return x >= lo && x <= hi ? 1.0 : 0.0;
            }
        });
    }

    private static final int CHUNK = 2048;

    /**
     * swiglu's float32 forward over dense c-order buffers, staged through heap arrays in chunks (no per-element bounds
     * checks on the off-heap buffers); the same formulas as the strided loop, so the same bits.
     */
    private static void swigluDense(FloatBuffer fgt, FloatBuffer fu, FloatBuffer fo, int n) {
        int chunks = (n + CHUNK - 1) / CHUNK;
        Par.range(chunks, 20L * CHUNK, (lo, hi) -> {
            float[] a = new float[Math.min(CHUNK, n)];
            float[] u = new float[a.length];
            for (int c = lo; c < hi; c++) {
                int from = c * CHUNK;
                int len = Math.min(CHUNK, n - from);
                fgt.get(from, a, 0, len);
                fu.get(from, u, 0, len);
                RowKernels.swiglu(a, u, a, len);
                fo.put(from, a, 0, len);
            }
        });
    }

    /** swiglu's float32 backward over dense buffers (gg or gu null when that input needs no gradient). */
    private static void swigluBackwardDense(FloatBuffer fg, FloatBuffer fgt, FloatBuffer fu, FloatBuffer fgg,
            FloatBuffer fgu, int n) {
        int chunks = (n + CHUNK - 1) / CHUNK;
        Par.range(chunks, 30L * CHUNK, (lo, hi) -> {
            int size = Math.min(CHUNK, n);
            float[] gy = new float[size];
            float[] a = new float[size];
            float[] u = new float[size];
            float[] accG = fgg != null ? new float[size] : null;
            float[] accU = fgu != null ? new float[size] : null;
            for (int c = lo; c < hi; c++) {
                int from = c * CHUNK;
                int len = Math.min(CHUNK, n - from);
                fg.get(from, gy, 0, len);
                fgt.get(from, a, 0, len);
                fu.get(from, u, 0, len);
                if (fgg != null) {
                    fgg.get(from, accG, 0, len);
                }
                if (fgu != null) {
                    fgu.get(from, accU, 0, len);
                }
                RowKernels.swigluGrad(gy, a, u, accG, accU, len);
                if (fgg != null) {
                    fgg.put(from, accG, 0, len);
                }
                if (fgu != null) {
                    fgu.put(from, accU, 0, len);
                }
            }
        });
    }

    /**
     * The sigmoid of the float32 kernels: {@link #stableSigmoid} with {@link Exp#exp} (relative error below 6e-9,
     * under float32's resolution) instead of {@code Math.exp}, which bounds SiLU/SwiGLU time. Float64 tensors keep
     * {@code Math.exp}, whose full accuracy their finite-difference gradient checks need.
     */
    static double sigmoid32(double x) {
        return RowKernels.sigmoid(x);
    }

    static double stableSigmoid(double x) {
        if (x >= 0) {
            return 1.0 / (1.0 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1.0 + e);
    }
}
