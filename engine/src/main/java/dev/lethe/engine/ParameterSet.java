package dev.lethe.engine;

import dev.lethe.engine.kernel.Buf;
import dev.lethe.engine.kernel.Loops;
import dev.lethe.engine.kernel.StridedLoop;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Named arrays treated as one vector: model parameters, their gradients, update directions, optimizer moments.
 * Names are the Hugging Face parameter names; iteration follows insertion order, which is stable. Every update rule is
 * written against this vector space: global {@link #dot}, {@link #norm}, {@link #axpy}, {@link #scale}, {@link #copy},
 * {@link #zerosLike}. Sets made by {@link #values} and {@link #gradients} are views: writing to them writes the model.
 * Reductions accumulate in double precision.
 */
public final class ParameterSet implements Iterable<Map.Entry<String, INDArray>> {
    private final LinkedHashMap<String, INDArray> arrays;

    private ParameterSet(LinkedHashMap<String, INDArray> arrays) {
        this.arrays = arrays;
    }

    /** A set over the given arrays (no copy), in the map's iteration order. */
    public static ParameterSet of(Map<String, INDArray> arrays) {
        return new ParameterSet(new LinkedHashMap<>(arrays));
    }

    /** The values of named tensors (views). Unnamed tensors are rejected. */
    public static ParameterSet values(Collection<Tensor> tensors) {
        LinkedHashMap<String, INDArray> m = new LinkedHashMap<>();
        for (Tensor t : tensors) {
            m.put(requireName(t), t.value());
        }
        return new ParameterSet(m);
    }

    /** The gradients of named tensors (views); a tensor without a gradient yet gets a zero-filled one. */
    public static ParameterSet gradients(Collection<Tensor> tensors) {
        LinkedHashMap<String, INDArray> m = new LinkedHashMap<>();
        for (Tensor t : tensors) {
            if (t.grad() == null) {
                t.setGrad(Nd4j.zeros(t.dtype(), t.shape()));
            }
            m.put(requireName(t), t.grad());
        }
        return new ParameterSet(m);
    }

    private static String requireName(Tensor t) {
        if (t.name() == null) {
            throw new IllegalArgumentException("ParameterSet needs named tensors; " + t + " has no name");
        }
        return t.name();
    }

    public Set<String> names() {
        return Collections.unmodifiableSet(arrays.keySet());
    }

    public INDArray get(String name) {
        INDArray a = arrays.get(name);
        if (a == null) {
            throw new IllegalArgumentException("no parameter named '" + name + "'");
        }
        return a;
    }

    public boolean contains(String name) {
        return arrays.containsKey(name);
    }

    public int size() {
        return arrays.size();
    }

    /** Total number of elements. */
    public long numel() {
        long n = 0;
        for (INDArray a : arrays.values()) {
            n += a.length();
        }
        return n;
    }

    /** The subset whose names match (views). */
    public ParameterSet select(Predicate<String> names) {
        LinkedHashMap<String, INDArray> m = new LinkedHashMap<>();
        arrays.forEach((k, v) -> {
            if (names.test(k)) {
                m.put(k, v);
            }
        });
        return new ParameterSet(m);
    }

    @Override
    public Iterator<Map.Entry<String, INDArray>> iterator() {
        return Collections.unmodifiableMap(arrays).entrySet().iterator();
    }

    private INDArray partner(ParameterSet other, String name, INDArray mine) {
        INDArray o = other.arrays.get(name);
        if (o == null || !Arrays.equals(o.shape(), mine.shape())) {
            throw new IllegalArgumentException("parameter sets differ at '" + name + "': "
                    + (o == null ? "missing" : Arrays.toString(o.shape()) + " vs " + Arrays.toString(mine.shape())));
        }
        return o;
    }

    /** Sum over all parameters of the elementwise product. */
    public double dot(ParameterSet other) {
        if (other.size() != size()) {
            throw new IllegalArgumentException("parameter sets have " + size() + " and " + other.size() + " entries");
        }
        double s = 0;
        for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
            INDArray a = e.getValue();
            INDArray b = partner(other, e.getKey(), a);
            Buf pa = Buf.of(a);
            Buf pb = Buf.of(b);
            StridedLoop it = new StridedLoop(a.shape(), a.stride(), b.stride());
            while (it.next()) {
                s += pa.get(it.offset(0)) * pb.get(it.offset(1));
            }
        }
        return s;
    }

    /** Global Euclidean norm. */
    public double norm() {
        return Math.sqrt(dot(this));
    }

    /** this += alpha * x, in place; returns this. */
    public ParameterSet axpy(double alpha, ParameterSet x) {
        for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
            Loops.accumulate(e.getValue(), partner(x, e.getKey(), e.getValue()), alpha);
        }
        return this;
    }

    /** this *= s, in place; returns this. */
    public ParameterSet scale(double s) {
        for (INDArray a : arrays.values()) {
            Buf p = Buf.of(a);
            StridedLoop it = new StridedLoop(a.shape(), a.stride());
            while (it.next()) {
                p.set(it.offset(0), p.get(it.offset(0)) * s);
            }
        }
        return this;
    }

    /** Copies other's values into this set's arrays, in place; returns this. */
    public ParameterSet assign(ParameterSet other) {
        for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
            Loops.copy(partner(other, e.getKey(), e.getValue()), e.getValue());
        }
        return this;
    }

    /** A deep copy (fresh contiguous arrays). */
    public ParameterSet copy() {
        LinkedHashMap<String, INDArray> m = new LinkedHashMap<>();
        arrays.forEach((k, v) -> {
            INDArray c = Nd4j.createUninitialized(v.dataType(), v.shape());
            Loops.copy(v, c);
            m.put(k, c);
        });
        return new ParameterSet(m);
    }

    /** Fresh zero arrays of the same names, shapes and dtypes. */
    public ParameterSet zerosLike() {
        LinkedHashMap<String, INDArray> m = new LinkedHashMap<>();
        arrays.forEach((k, v) -> m.put(k, Nd4j.zeros(v.dataType(), v.shape())));
        return new ParameterSet(m);
    }

    /** Sets every element to zero, in place; returns this. */
    public ParameterSet zero() {
        for (INDArray a : arrays.values()) {
            Loops.fill(a, 0.0);
        }
        return this;
    }
}
