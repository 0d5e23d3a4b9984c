package dev.lethe.engine.ops;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.engine.kernel.StridedLoop;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Inverted dropout (arXiv 1207.0580): in training each element is zeroed with probability p and the rest are scaled by
 * 1 / (1 - p); outside training (or p = 0) the input passes through unchanged. The random stream is the caller's, so
 * runs are reproducible from a seed.
 */
public final class Dropout {
    private Dropout() {
    }

    public static Tensor apply(Tape tape, Tensor x, double p, boolean training, Random rng) {
        if (p < 0 || p >= 1) {
            throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
        }
        if (!training || p == 0) {
            return x;
        }
        INDArray xv = x.value();
        long[] shape = xv.shape();
        INDArray scale = tape.allocate(x.dtype(), shape);
        INDArray out = tape.allocate(x.dtype(), shape);
        Buf px = Buf.of(xv);
        Buf pm = Buf.of(scale);
        Buf po = Buf.of(out);
        double keep = 1.0 / (1.0 - p);
        StridedLoop it = new StridedLoop(shape, xv.stride(), out.stride());
        while (it.next()) {
            double m = rng.nextDouble() < p ? 0.0 : keep;
            pm.set(it.offset(1), m);
            po.set(it.offset(1), px.get(it.offset(0)) * m);
        }
        return tape.record(out, g -> {
            INDArray gx = tape.gradFor(x);
            Buf pg = Buf.of(g);
            Buf pgx = Buf.of(gx);
            StridedLoop j = new StridedLoop(shape, g.stride(), scale.stride(), gx.stride());
            while (j.next()) {
                pgx.add(j.offset(2), pg.get(j.offset(0)) * pm.get(j.offset(1)));
            }
        }, x);
    }
}
