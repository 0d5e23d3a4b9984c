package dev.lethe.engine.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lethe.engine.GradCheck;
import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.testing.Rand;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class NnOpsGradTest {
    private final Rand r = new Rand(11);

    private static void assertGrad(GradCheck.Fn fn, Tensor... in) {
        GradCheck.Result res = GradCheck.check(fn, List.of(in));
        assertThat(res.maxRelativeError()).as("max relative error %s", res.perInput()).isLessThan(1e-6);
    }

    @Test
    void softmaxAndLogSoftmax() {
        Tensor x = r.param(2, 3, 5);
        assertGrad((t, v) -> Softmax.softmax(t, v.get(0)), x);
        assertGrad((t, v) -> Softmax.logSoftmax(t, v.get(0)), x);
        assertGrad((t, v) -> Softmax.logSoftmax(t, v.get(0)), r.transposedParam(4, 6));
        try (Tape t = Tape.inference()) {
            Tensor s = Softmax.softmax(t, Tensor.constant(DataType.DOUBLE, new double[] {1, 2, 3}, 1, 3));
            double z = Math.exp(1) + Math.exp(2) + Math.exp(3);
            assertThat(s.value().getDouble(0, 2)).isCloseTo(Math.exp(3) / z, within(1e-15));
        }
    }

    @Test
    void tokenLogProbsMatchesLogSoftmaxGather() {
        Tensor logits = r.param(2, 4, 7);
        int[] targets = {1, 6, 0, 3, -100, 2, 5, 4};
        int[] mask = {1, 1, 1, 1, 0, 1, 1, 0};
        assertGrad((t, v) -> Softmax.tokenLogProbs(t, v.get(0), targets, mask), logits);
        try (Tape t = Tape.inference()) {
            INDArray lp = Softmax.tokenLogProbs(t, logits, targets, mask).value();
            INDArray ls = Softmax.logSoftmax(t, logits).value();
            assertThat(lp.getDouble(0, 1)).isCloseTo(ls.getDouble(0, 1, 6), within(1e-14));
            assertThat(lp.getDouble(1, 0)).isEqualTo(0.0);
        }
    }

    @Test
    void tokenLogProbsOnShiftedView() {
        // logits[:, :-1, :] is a strided view: the op reads it in place
        Tensor full = r.param(2, 5, 6);
        int[] targets = {1, 2, 3, 4, 5, 0, 1, 2};
        Tensor shifted = Tensor.parameter(full.value().get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 4), org.nd4j.linalg.indexing.NDArrayIndex.all()));
        assertGrad((t, v) -> Softmax.tokenLogProbs(t, v.get(0), targets, null), shifted);
    }

    @Test
    void layerNormVariants() {
        Tensor x = r.param(3, 2, 6);
        Tensor w = r.param(6);
        Tensor b = r.param(6);
        assertGrad((t, v) -> Normalization.layerNorm(t, v.get(0), v.get(1), v.get(2), 1e-5), x, w, b);
        assertGrad((t, v) -> Normalization.layerNorm(t, v.get(0), v.get(1), null, 1e-5), x, w);
        assertGrad((t, v) -> Normalization.layerNorm(t, v.get(0), null, null, 1e-5), x);
        assertGrad((t, v) -> Normalization.layerNorm(t, v.get(0), null, null, 1e-5), r.transposedParam(6, 4));
        try (Tape t = Tape.inference()) {
            INDArray y = Normalization.layerNorm(t, Tensor.constant(DataType.DOUBLE, new double[] {1, 2, 3, 4}, 1, 4),
                    null, null, 0.0).value();
            // mean 2.5, variance 1.25
            assertThat(y.getDouble(0, 0)).isCloseTo(-1.5 / Math.sqrt(1.25), within(1e-14));
        }
    }

    @Test
    void rmsNormVariants() {
        Tensor x = r.param(2, 3, 8);
        Tensor w = r.param(8);
        assertGrad((t, v) -> Normalization.rmsNorm(t, v.get(0), v.get(1), 1e-6, false), x, w);
        assertGrad((t, v) -> Normalization.rmsNorm(t, v.get(0), v.get(1), 1e-6, true), x, w);
        assertGrad((t, v) -> Normalization.rmsNorm(t, v.get(0), v.get(1), 1e-6, false), r.slicedParam(3, 8), w);
        try (Tape t = Tape.inference()) {
            INDArray y = Normalization.rmsNorm(t, Tensor.constant(DataType.DOUBLE, new double[] {3, 4}, 1, 2),
                    Tensor.constant(DataType.DOUBLE, new double[] {0.5, 1}, 2), 0.0, true).value();
            double rms = Math.sqrt(12.5);
            assertThat(y.getDouble(0, 0)).isCloseTo(3 / rms * 1.5, within(1e-14));
            assertThat(y.getDouble(0, 1)).isCloseTo(4 / rms * 2.0, within(1e-14));
        }
    }

    private static INDArray[] cosSin(int bc, int t, int half, long seed) {
        Random rnd = new Random(seed);
        INDArray cos = Nd4j.create(DataType.DOUBLE, bc, t, half);
        INDArray sin = Nd4j.create(DataType.DOUBLE, bc, t, half);
        for (int i = 0; i < cos.length(); i++) {
            double a = rnd.nextDouble() * 6;
            cos.putScalar(i, Math.cos(a));
            sin.putScalar(i, Math.sin(a));
        }
        return new INDArray[] {cos, sin};
    }

    @Test
    void ropeFullAndPartialOnPermutedInput() {
        INDArray[] cs = cosSin(1, 3, 4, 1);
        Tensor x = r.param(2, 2, 3, 8);
        assertGrad((t, v) -> Rope.apply(t, v.get(0), cs[0], cs[1], 8), x);
        INDArray[] cs2 = cosSin(2, 3, 2, 2);
        assertGrad((t, v) -> Rope.apply(t, v.get(0), cs2[0], cs2[1], 4), x);
        // [B, T, H, Dh] permuted to [B, H, T, Dh]
        Tensor btHd = Tensor.parameter(r.array(2, 3, 2, 8).permute(0, 2, 1, 3));
        assertGrad((t, v) -> Rope.apply(t, v.get(0), cs[0], cs[1], 8), btHd);
        try (Tape t = Tape.inference()) {
            INDArray c = Nd4j.create(new double[] {Math.cos(0.3)}, 1, 1, 1);
            INDArray s = Nd4j.create(new double[] {Math.sin(0.3)}, 1, 1, 1);
            INDArray y = Rope.apply(t, Tensor.constant(DataType.DOUBLE, new double[] {1, 2, 7}, 1, 1, 1, 3), c, s, 2)
                    .value();
            assertThat(y.getDouble(0)).isCloseTo(Math.cos(0.3) - 2 * Math.sin(0.3), within(1e-15));
            assertThat(y.getDouble(1)).isCloseTo(2 * Math.cos(0.3) + Math.sin(0.3), within(1e-15));
            assertThat(y.getDouble(2)).isEqualTo(7.0);
        }
    }

    @Test
    void attentionCausalPaddedGrouped() {
        Tensor q = r.param(2, 4, 5, 3);
        Tensor k = r.param(2, 2, 5, 3);
        Tensor v = r.param(2, 2, 5, 3);
        int[] mask = {1, 1, 1, 0, 0, 0, 1, 1, 1, 1}; // right padding in row 0, left padding in row 1
        assertGrad((t, x) -> Attention.causalSelfAttention(t, x.get(0), x.get(1), x.get(2), mask, 0.5), q, k, v);
        assertGrad((t, x) -> Attention.causalSelfAttention(t, x.get(0), x.get(1), x.get(2), null, 0.7), q, k, v);
        assertGrad((t, x) -> Attention.attention(t, x.get(0), x.get(1), x.get(2), mask, 0.7, false), q, k, v);
        // KV cache: 2 new queries over 5 keys
        Tensor q2 = r.param(2, 4, 2, 3);
        assertGrad((t, x) -> Attention.causalSelfAttention(t, x.get(0), x.get(1), x.get(2), mask, 0.5), q2, k, v);
    }

    @Test
    void attentionMatchesNaiveComputation() {
        Tensor q = r.param(1, 2, 4, 3);
        Tensor k = r.param(1, 1, 4, 3);
        Tensor v = r.param(1, 1, 4, 3);
        try (Tape t = Tape.inference()) {
            INDArray o = Attention.causalSelfAttention(t, q, k, v, null, 0.25).value();
            for (int h = 0; h < 2; h++) {
                for (int i = 0; i < 4; i++) {
                    double[] w = new double[i + 1];
                    double z = 0;
                    for (int j = 0; j <= i; j++) {
                        double s = 0;
                        for (int d = 0; d < 3; d++) {
                            s += q.value().getDouble(0, h, i, d) * k.value().getDouble(0, 0, j, d);
                        }
                        w[j] = Math.exp(0.25 * s);
                        z += w[j];
                    }
                    for (int d = 0; d < 3; d++) {
                        double expect = 0;
                        for (int j = 0; j <= i; j++) {
                            expect += w[j] / z * v.value().getDouble(0, 0, j, d);
                        }
                        assertThat(o.getDouble(0, i, h, d)).isCloseTo(expect, within(1e-13));
                    }
                }
            }
        }
    }
}
