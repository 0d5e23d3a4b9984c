package dev.lethe.engine;

import dev.lethe.engine.kernel.Buf;
import dev.lethe.engine.kernel.StridedLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Checks hand-written backward rules against central finite differences in float64, for any function of tensors.
 *
 * <p>The function's output is reduced to a scalar by a fixed random projection L = sum(out * R); the analytic gradient
 * of L comes from {@link Tape#backward(Tensor, INDArray)} with seed R, the numeric one from (L(x + h) - L(x - h)) / 2h
 * per input element. The error of one input is max|analytic - numeric| / (max(|analytic|, |numeric|) + 1e-12), and
 * the check reports the largest over all inputs that require a gradient.
 */
public final class GradCheck {
    /** A function of tensors recorded on the given tape. */
    @FunctionalInterface
    public interface Fn {
        Tensor apply(Tape tape, List<Tensor> inputs);
    }

    /** Per-input errors and the maximum. */
    public record Result(double maxRelativeError, List<Double> perInput) {
    }

    private GradCheck() {
    }

    /** Runs the check with step h = 1e-6 and projection seed 1234. */
    public static Result check(Fn fn, List<Tensor> inputs) {
        return check(fn, inputs, 1e-6, 1234L);
    }

    public static Result check(Fn fn, List<Tensor> inputs, double h, long seed) {
        for (Tensor t : inputs) {
            if (t.dtype() != DataType.DOUBLE) {
                throw new IllegalArgumentException("gradient checks run in float64; input " + t + " is " + t.dtype());
            }
            t.clearGrad();
        }
        INDArray projection;
        try (Tape tape = Tape.recording()) {
            Tensor out = fn.apply(tape, inputs);
            Random rnd = new Random(seed);
            projection = Nd4j.createUninitialized(DataType.DOUBLE, out.shape());
            Buf pr = Buf.of(projection);
            for (int i = 0; i < projection.length(); i++) {
                pr.set(i, rnd.nextGaussian());
            }
            tape.backward(out, projection);
        }
        List<Double> errors = new ArrayList<>();
        double worst = 0;
        for (Tensor t : inputs) {
            if (!t.requiresGrad()) {
                continue;
            }
            INDArray analytic = t.grad() == null ? Nd4j.zeros(DataType.DOUBLE, t.shape()) : t.grad();
            INDArray value = t.value();
            Buf pv = Buf.of(value);
            Buf pa = Buf.of(analytic);
            double maxDiff = 0;
            double maxMag = 0;
            StridedLoop it = new StridedLoop(value.shape(), value.stride(), analytic.stride());
            while (it.next()) {
                int off = it.offset(0);
                double orig = pv.get(off);
                pv.set(off, orig + h);
                double plus = projected(fn, inputs, projection);
                pv.set(off, orig - h);
                double minus = projected(fn, inputs, projection);
                pv.set(off, orig);
                double numeric = (plus - minus) / (2 * h);
                double a = pa.get(it.offset(1));
                maxDiff = Math.max(maxDiff, Math.abs(a - numeric));
                maxMag = Math.max(maxMag, Math.max(Math.abs(a), Math.abs(numeric)));
            }
            double err = maxDiff / (maxMag + 1e-12);
            errors.add(err);
            worst = Math.max(worst, err);
        }
        return new Result(worst, errors);
    }

    private static double projected(Fn fn, List<Tensor> inputs, INDArray projection) {
        try (Tape tape = Tape.inference()) {
            INDArray out = fn.apply(tape, inputs).value();
            Buf po = Buf.of(out);
            Buf pr = Buf.of(projection);
            double s = 0;
            StridedLoop it = new StridedLoop(out.shape(), out.stride(), projection.stride());
            while (it.next()) {
                s += po.get(it.offset(0)) * pr.get(it.offset(1));
            }
            return s;
        }
    }
}
