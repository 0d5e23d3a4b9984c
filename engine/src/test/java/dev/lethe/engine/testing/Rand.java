package dev.lethe.engine.testing;

import dev.lethe.engine.Tensor;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Seeded random float64 arrays and tensors for gradient tests, including non-contiguous (transposed, sliced) ones. */
public final class Rand {
    private final Random rnd;

    public Rand(long seed) {
        rnd = new Random(seed);
    }

    public INDArray array(long... shape) {
        INDArray a = Nd4j.createUninitialized(DataType.DOUBLE, shape);
        for (long i = 0; i < a.length(); i++) {
            a.putScalar(i, rnd.nextGaussian());
        }
        return a;
    }

    /** Uniform in [lo, hi). */
    public INDArray uniform(double lo, double hi, long... shape) {
        INDArray a = Nd4j.createUninitialized(DataType.DOUBLE, shape);
        for (long i = 0; i < a.length(); i++) {
            a.putScalar(i, lo + (hi - lo) * rnd.nextDouble());
        }
        return a;
    }

    public Tensor param(long... shape) {
        return Tensor.parameter(array(shape));
    }

    /** A parameter whose value is the transpose (last two axes swapped) of a contiguous array: non-contiguous. */
    public Tensor transposedParam(long... shape) {
        long[] s = shape.clone();
        int r = s.length;
        long tmp = s[r - 1];
        s[r - 1] = s[r - 2];
        s[r - 2] = tmp;
        int[] perm = new int[r];
        for (int i = 0; i < r; i++) {
            perm[i] = i;
        }
        perm[r - 1] = r - 2;
        perm[r - 2] = r - 1;
        return Tensor.parameter(array(s).permute(perm));
    }

    /** A parameter whose value is a strided slice (every other element of the last axis): non-contiguous. */
    public Tensor slicedParam(long... shape) {
        long[] s = shape.clone();
        s[s.length - 1] = 2 * s[s.length - 1];
        INDArray big = array(s);
        return Tensor.parameter(big.get(sliceLastAxisEveryOther(s.length, s[s.length - 1])));
    }

    private static org.nd4j.linalg.indexing.INDArrayIndex[] sliceLastAxisEveryOther(int rank, long size) {
        org.nd4j.linalg.indexing.INDArrayIndex[] idx = new org.nd4j.linalg.indexing.INDArrayIndex[rank];
        for (int i = 0; i < rank - 1; i++) {
            idx[i] = org.nd4j.linalg.indexing.NDArrayIndex.all();
        }
        idx[rank - 1] = org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2, size);
        return idx;
    }

    public Random random() {
        return rnd;
    }
}
