package dev.lethe.engine.ops;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.engine.kernel.Erf;
import dev.lethe.engine.kernel.Loops;
import dev.lethe.engine.kernel.Shapes;
import dev.lethe.engine.kernel.StridedLoop;
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
        StridedLoop it = new StridedLoop(shape, sa, sb, out.stride());
        while (it.next()) {
            double x = pa.get(it.offset(0));
            double y = pb.get(it.offset(1));
            double r = switch (op) {
                case ADD -> x + y;
                case SUB -> x - y;
                case MUL -> x * y;
                case DIV -> x / y;
            };
            po.set(it.offset(2), r);
        }
        return tape.record(out, g -> {
            if (op == Binary.ADD || op == Binary.SUB) {
                if (a.requiresGrad()) {
                    Loops.accumulate(tape.gradFor(a), g, 1.0);
                }
                if (b.requiresGrad()) {
                    Loops.accumulate(tape.gradFor(b), g, op == Binary.ADD ? 1.0 : -1.0);
                }
                return;
            }
            Buf pg = Buf.of(g);
            if (a.requiresGrad()) {
                INDArray ga = tape.gradFor(a);
                Buf pga = Buf.of(ga);
                StridedLoop j = new StridedLoop(shape, g.stride(), sb,
                        Shapes.broadcastStrides(ga.shape(), ga.stride(), shape));
                while (j.next()) {
                    double gy = pg.get(j.offset(0));
                    double y = pb.get(j.offset(1));
                    pga.add(j.offset(2), op == Binary.MUL ? gy * y : gy / y);
                }
            }
            if (b.requiresGrad()) {
                INDArray gb = tape.gradFor(b);
                Buf pgb = Buf.of(gb);
                StridedLoop j = new StridedLoop(shape, g.stride(), sa, sb,
                        Shapes.broadcastStrides(gb.shape(), gb.stride(), shape));
                while (j.next()) {
                    double gy = pg.get(j.offset(0));
                    double x = pa.get(j.offset(1));
                    if (op == Binary.MUL) {
                        pgb.add(j.offset(3), gy * x);
                    } else {
                        double y = pb.get(j.offset(2));
                        pgb.add(j.offset(3), -gy * x / (y * y));
                    }
                }
            }
        }, a, b);
    }

    /** A pointwise function with its derivative, given the input x and the output y = f(x). */
    private interface Pointwise {
        double f(double x);

        double df(double x, double y);
    }

    private static Tensor unary(Tape tape, Tensor a, Pointwise fn) {
        INDArray av = a.value();
        long[] shape = av.shape();
        INDArray out = tape.allocate(a.dtype(), shape);
        Buf pa = Buf.of(av);
        Buf po = Buf.of(out);
        StridedLoop it = new StridedLoop(shape, av.stride(), out.stride());
        while (it.next()) {
            po.set(it.offset(1), fn.f(pa.get(it.offset(0))));
        }
        return tape.record(out, g -> {
            INDArray ga = tape.gradFor(a);
            Buf pg = Buf.of(g);
            Buf pga = Buf.of(ga);
            StridedLoop j = new StridedLoop(shape, g.stride(), av.stride(), out.stride(), ga.stride());
            while (j.next()) {
                pga.add(j.offset(3), pg.get(j.offset(0)) * fn.df(pa.get(j.offset(1)), po.get(j.offset(2))));
            }
        }, a);
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

    static double stableSigmoid(double x) {
        if (x >= 0) {
            return 1.0 / (1.0 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1.0 + e);
    }
}
