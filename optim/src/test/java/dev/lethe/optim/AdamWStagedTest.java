package dev.lethe.optim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.engine.ParameterSet;
import dev.lethe.engine.kernel.Par;
import dev.lethe.engine.testing.StoredTensors;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * AdamW's chunked, heap-staged, two-thread update equals a plain per-element loop (the torch single-tensor formula,
 * written out below as the reference) bit for bit: on random float32 and float64 parameter sets whose sizes straddle
 * the chunk boundaries, with and without weight decay, over several steps, with the chunks run on one thread or split
 * across two; and on the whole llama fixture with torch's step-1 gradients.
 */
class AdamWStagedTest {
    /** The reference: one scalar loop per array, exactly the arithmetic AdamW had before it was staged. */
    static final class PlainAdamW {
        final double lr;
        final double beta1;
        final double beta2;
        final double eps;
        final double weightDecay;
        long steps;
        final Map<String, INDArray> m = new LinkedHashMap<>();
        final Map<String, INDArray> v = new LinkedHashMap<>();

        PlainAdamW(double lr, double beta1, double beta2, double eps, double weightDecay) {
            this.lr = lr;
            this.beta1 = beta1;
            this.beta2 = beta2;
            this.eps = eps;
            this.weightDecay = weightDecay;
        }

        void step(Map<String, INDArray> params, Map<String, INDArray> grads) {
            steps++;
            double decay = 1 - lr * weightDecay;
            double bc1 = 1 - Math.pow(beta1, steps);
            double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, steps));
            double stepSize = lr / bc1;
            for (Map.Entry<String, INDArray> e : params.entrySet()) {
                INDArray p = e.getValue();
                INDArray g = grads.get(e.getKey());
                INDArray mm = m.computeIfAbsent(e.getKey(), k -> Nd4j.zeros(p.dataType(), p.shape()));
                INDArray vv = v.computeIfAbsent(e.getKey(), k -> Nd4j.zeros(p.dataType(), p.shape()));
                long n = p.length();
                if (p.dataType() == DataType.FLOAT) {
                    float fDecay = (float) decay;
                    float w1 = (float) (1 - beta1);
                    float b2 = (float) beta2;
                    float w2 = (float) (1 - beta2);
                    float fBc2Sqrt = (float) bc2Sqrt;
                    float fEps = (float) eps;
                    float negStep = (float) -stepSize;
                    for (long i = 0; i < n; i++) {
                        float gi = g.getFloat(i);
                        float pi = weightDecay != 0 ? p.getFloat(i) * fDecay : p.getFloat(i);
                        float mi = mm.getFloat(i);
                        mi = mi + w1 * (gi - mi);
                        float vi = vv.getFloat(i) * b2 + w2 * gi * gi;
                        float denom = (float) Math.sqrt(vi) / fBc2Sqrt + fEps;
                        mm.putScalar(i, mi);
                        vv.putScalar(i, vi);
                        p.putScalar(i, pi + negStep * mi / denom);
                    }
                } else {
                    double w1 = 1 - beta1;
                    double w2 = 1 - beta2;
                    for (long i = 0; i < n; i++) {
                        double gi = g.getDouble(i);
                        double pi = weightDecay != 0 ? p.getDouble(i) * decay : p.getDouble(i);
                        double mi = mm.getDouble(i);
                        mi = mi + w1 * (gi - mi);
                        double vi = vv.getDouble(i) * beta2 + w2 * gi * gi;
                        double denom = Math.sqrt(vi) / bc2Sqrt + eps;
                        mm.putScalar(i, mi);
                        vv.putScalar(i, vi);
                        p.putScalar(i, pi + -stepSize * mi / denom);
                    }
                }
            }
        }
    }

    private static INDArray random(Random rnd, DataType dt, double scale, long... shape) {
        INDArray a = Nd4j.createUninitialized(DataType.DOUBLE, shape);
        for (long i = 0; i < a.length(); i++) {
            a.putScalar(i, rnd.nextGaussian() * scale);
        }
        return a.castTo(dt);
    }

    private static Map<String, INDArray> copy(Map<String, INDArray> m) {
        Map<String, INDArray> c = new LinkedHashMap<>();
        m.forEach((k, a) -> c.put(k, a.dup()));
        return c;
    }

    private static void assertBitEqual(ParameterSet actual, Map<String, INDArray> expected, String what) {
        assertThat(actual.names()).containsExactlyElementsOf(expected.keySet());
        for (Map.Entry<String, INDArray> e : actual) {
            INDArray want = expected.get(e.getKey());
            INDArray got = e.getValue();
            assertThat(got.dataType()).isEqualTo(want.dataType());
            long n = got.length();
            for (long i = 0; i < n; i++) {
                boolean same = got.dataType() == DataType.FLOAT
                        ? Float.floatToRawIntBits(got.getFloat(i)) == Float.floatToRawIntBits(want.getFloat(i))
                        : Double.doubleToRawLongBits(got.getDouble(i)) == Double.doubleToRawLongBits(want.getDouble(i));
                if (!same) {
                    assertThat(got.getDouble(i)).as("%s: %s[%d]", what, e.getKey(), i).isEqualTo(want.getDouble(i));
                }
            }
        }
    }

    @Test
    void stagedSplitUpdateEqualsPlainLoopBitForBit() {
        // sizes around the chunk length, tiny arrays, a matrix spanning several chunks
        long[][] shapes = {{AdamW.CHUNK - 1}, {1}, {AdamW.CHUNK}, {AdamW.CHUNK + 1}, {37, 300}, {7}, {3 * AdamW.CHUNK
                + 5}};
        long saved = Par.minWork();
        try {
            for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
                for (double wd : new double[] {0.1, 0.0}) {
                    Random rnd = new Random(5);
                    Map<String, INDArray> init = new LinkedHashMap<>();
                    for (int i = 0; i < shapes.length; i++) {
                        init.put("p" + i, random(rnd, dt, 1.0, shapes[i]));
                    }
                    List<Map<String, INDArray>> grads = new ArrayList<>();
                    for (int s = 0; s < 3; s++) {
                        Map<String, INDArray> g = new LinkedHashMap<>();
                        for (int i = 0; i < shapes.length; i++) {
                            g.put("p" + i, random(rnd, dt, 0.1 * (s + 1), shapes[i]));
                        }
                        grads.add(g);
                    }
                    PlainAdamW ref = new PlainAdamW(1e-2, 0.9, 0.95, 1e-8, wd);
                    Map<String, INDArray> refParams = copy(init);
                    List<ParameterSet> runs = new ArrayList<>();
                    List<AdamW> opts = new ArrayList<>();
                    for (int k = 0; k < 2; k++) {
                        runs.add(ParameterSet.of(copy(init)));
                        opts.add(new AdamW(1e-2, 0.9, 0.95, 1e-8, wd));
                    }
                    for (int s = 0; s < 3; s++) {
                        ref.step(refParams, grads.get(s));
                        for (int k = 0; k < 2; k++) {
                            // run 0 never splits; run 1 splits every chunk range in two
                            Par.setMinWork(k == 0 ? Long.MAX_VALUE : 1);
                            opts.get(k).step(runs.get(k), ParameterSet.of(grads.get(s)));
                        }
                        for (int k = 0; k < 2; k++) {
                            String what = dt + " wd " + wd + " step " + (s + 1) + (k == 0 ? " serial" : " split");
                            assertBitEqual(runs.get(k), refParams, what);
                            assertBitEqual(opts.get(k).state().get("exp_avg"), ref.m, what + " exp_avg");
                            assertBitEqual(opts.get(k).state().get("exp_avg_sq"), ref.v, what + " exp_avg_sq");
                        }
                    }
                }
            }
        } finally {
            Par.setMinWork(saved);
        }
    }

    @Test
    void stagedUpdateEqualsPlainLoopOnWholeLlamaFixture() throws IOException {
        java.nio.file.Path dir = dev.lethe.engine.testing.SharedFiles.path("fixtures/hf/llama");
        Map<String, INDArray> init = StoredTensors.read(dir.resolve("model.safetensors"));
        Map<String, INDArray> grad = new LinkedHashMap<>();
        StoredTensors.read(dir.resolve("reference.safetensors"), n -> n.startsWith("grad."))
                .forEach((k, a) -> grad.put(k.substring("grad.".length()), a));
        Map<String, INDArray> refParams = copy(init);
        PlainAdamW ref = new PlainAdamW(1e-2, 0.9, 0.95, 1e-8, 0.1);
        ParameterSet params = ParameterSet.of(copy(init));
        AdamW opt = new AdamW(1e-2, 0.9, 0.95, 1e-8, 0.1);
        long saved = Par.minWork();
        try {
            Par.setMinWork(1);
            for (int s = 0; s < 2; s++) {
                ref.step(refParams, grad);
                opt.step(params, ParameterSet.of(grad));
                assertBitEqual(params, refParams, "llama fixture step " + (s + 1));
            }
        } finally {
            Par.setMinWork(saved);
        }
    }

    @Test
    void arraysSharingMemoryAreDetected() {
        INDArray a = Nd4j.zeros(DataType.FLOAT, 100);
        INDArray b = Nd4j.zeros(DataType.FLOAT, 100);
        INDArray g = Nd4j.zeros(DataType.FLOAT, 100);
        INDArray[] one = {a, g, Nd4j.zeros(DataType.FLOAT, 100), Nd4j.zeros(DataType.FLOAT, 100)};
        INDArray[] other = {b, g, Nd4j.zeros(DataType.FLOAT, 100), Nd4j.zeros(DataType.FLOAT, 100)};
        // a gradient shared by two parameters is only read: no overlap
        assertThat(AdamW.overlapping(List.of(one, other))).isFalse();
        INDArray[] tied = {a, Nd4j.zeros(DataType.FLOAT, 100), Nd4j.zeros(DataType.FLOAT, 100),
            Nd4j.zeros(DataType.FLOAT, 100)};
        assertThat(AdamW.overlapping(List.of(one, tied))).isTrue();
        // a view into the middle of a parameter overlaps it
        INDArray[] view = {a.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(10, 20)), Nd4j.zeros(DataType.FLOAT, 10),
            Nd4j.zeros(DataType.FLOAT, 10), Nd4j.zeros(DataType.FLOAT, 10)};
        assertThat(AdamW.overlapping(List.of(one, view))).isTrue();
    }
}
