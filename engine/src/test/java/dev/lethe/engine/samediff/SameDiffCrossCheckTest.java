package dev.lethe.engine.samediff;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.ops.Attention;
import dev.lethe.engine.ops.Elementwise;
import dev.lethe.engine.ops.MatMul;
import dev.lethe.engine.ops.Normalization;
import dev.lethe.engine.ops.Softmax;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Second opinion on our tape's values and gradients from ND4J's own autodiff (SameDiff), in float64 with seeded random
 * inputs. Only ops that SameDiff differentiates correctly are compared (matmul, layerNorm, softmax, elementwise, and
 * attention as their composition; see "Engine choices" in design.md). Each case computes the same function both
 * ways, reduces it to a scalar with a fixed random projection L = sum(out * R), and compares out and dL/d(input) for
 * every input. Agreement is measured as max|ours - theirs| / max|theirs| per array and must stay below 1e-10.
 */
class SameDiffCrossCheckTest {
    private static final double TOL = 1e-10;
    /** SameDiff's layer_norm has no epsilon (checked: eps = 1e-5 on our side fails at the 1e-10 level). */
    private static final double LAYER_NORM_EPS = 0.0;

    private final Random rnd = new Random(20261128L);

    @FunctionalInterface
    private interface OursFn {
        Tensor apply(Tape tape, List<Tensor> in);
    }

    @FunctionalInterface
    private interface TheirsFn {
        SDVariable apply(SameDiff sd, List<SDVariable> in);
    }

    private INDArray gaussian(long... shape) {
        INDArray a = Nd4j.createUninitialized(DataType.DOUBLE, shape);
        for (long i = 0; i < a.length(); i++) {
            a.putScalar(i, rnd.nextGaussian());
        }
        return a;
    }

    /** max|a - b| / max|b| (b is SameDiff's array); shapes must match exactly. */
    private static double relErr(INDArray ours, INDArray theirs) {
        assertThat(ours.shape()).isEqualTo(theirs.shape());
        assertThat(ours.dataType()).isEqualTo(DataType.DOUBLE);
        assertThat(theirs.dataType()).isEqualTo(DataType.DOUBLE);
        double scale = Math.max(theirs.amaxNumber().doubleValue(), 1e-300);
        return ours.sub(theirs).amaxNumber().doubleValue() / scale;
    }

    /**
     * Runs both implementations on copies of {@code inputs}, asserts agreement of the output and of every input's
     * gradient, and returns the largest relative error seen.
     */
    private double crossCheck(String label, List<INDArray> inputs, OursFn ours, TheirsFn theirs) {
        // ours: backward with seed R is the gradient of sum(out * R)
        INDArray oursOut;
        List<INDArray> oursGrads = new ArrayList<>();
        INDArray r;
        try (Tape tape = Tape.recording()) {
            List<Tensor> leaves = new ArrayList<>();
            for (INDArray x : inputs) {
                leaves.add(Tensor.parameter(x.dup('c')));
            }
            Tensor out = ours.apply(tape, leaves);
            r = gaussian(out.shape());
            oursOut = out.value().dup('c');
            tape.backward(out, r.dup('c'));
            for (Tensor leaf : leaves) {
                assertThat(leaf.grad()).as("%s: our gradient exists", label).isNotNull();
                oursGrads.add(leaf.grad().dup('c'));
            }
        }

        SameDiff sd = SameDiff.create();
        List<SDVariable> vars = new ArrayList<>();
        String[] names = new String[inputs.size()];
        for (int i = 0; i < inputs.size(); i++) {
            names[i] = "in" + i;
            vars.add(sd.var(names[i], inputs.get(i).dup('c')));
        }
        SDVariable out = theirs.apply(sd, vars);
        SDVariable loss = out.mul(sd.constant("R", r.dup('c'))).sum();
        sd.setLossVariables(loss);
        INDArray theirsOut = out.eval();
        Map<String, INDArray> theirsGrads = sd.calculateGradients(null, names);

        double worst = relErr(oursOut, theirsOut);
        assertThat(worst).as("%s: output %s", label, Arrays.toString(oursOut.shape())).isLessThan(TOL);
        for (int i = 0; i < names.length; i++) {
            INDArray g = theirsGrads.get(names[i]);
            assertThat(g).as("%s: SameDiff gradient of input %d", label, i).isNotNull();
            double e = relErr(oursGrads.get(i), g);
            assertThat(e).as("%s: gradient of input %d %s", label, i, Arrays.toString(inputs.get(i).shape()))
                    .isLessThan(TOL);
            worst = Math.max(worst, e);
        }
        System.out.printf("SameDiffCrossCheck %-34s max rel err %.3e%n", label, worst);
        return worst;
    }

    @Test
    void batchedMatmulWithTransposes() {
        long b = 3;
        long m = 4;
        long k = 5;
        long n = 6;
        crossCheck("matmul [B,M,K]@[B,K,N]", List.of(gaussian(b, m, k), gaussian(b, k, n)),
                (t, in) -> MatMul.matmul(t, in.get(0), in.get(1)),
                (sd, in) -> sd.mmul(in.get(0), in.get(1)));
        crossCheck("matmul transA", List.of(gaussian(b, k, m), gaussian(b, k, n)),
                (t, in) -> MatMul.matmul(t, in.get(0), in.get(1), true, false),
                (sd, in) -> sd.mmul(in.get(0), in.get(1), true, false, false));
        crossCheck("matmul transB", List.of(gaussian(b, m, k), gaussian(b, n, k)),
                (t, in) -> MatMul.matmul(t, in.get(0), in.get(1), false, true),
                (sd, in) -> sd.mmul(in.get(0), in.get(1), false, true, false));
        crossCheck("matmul transA transB", List.of(gaussian(b, k, m), gaussian(b, n, k)),
                (t, in) -> MatMul.matmul(t, in.get(0), in.get(1), true, true),
                (sd, in) -> sd.mmul(in.get(0), in.get(1), true, true, false));
        // rank 4 batch axes
        crossCheck("matmul rank4 transB", List.of(gaussian(2, 3, m, k), gaussian(2, 3, n, k)),
                (t, in) -> MatMul.matmul(t, in.get(0), in.get(1), false, true),
                (sd, in) -> sd.mmul(in.get(0), in.get(1), false, true, false));
    }

    @Test
    void linearWithSharedTwoDimensionalWeight() {
        long b = 2;
        long tokens = 5;
        long in = 7;
        long outF = 4;
        // x [B, T, in] @ W^T + bias, W [out, in] as nn.Linear; SameDiff: flatten the tokens, 2-D mmul, reshape back
        crossCheck("linear x W^T + b", List.of(gaussian(b, tokens, in), gaussian(outF, in), gaussian(outF)),
                (t, v) -> MatMul.linear(t, v.get(0), v.get(1), v.get(2)),
                (sd, v) -> sd.mmul(v.get(0).reshape(b * tokens, in), v.get(1), false, true, false)
                        .add(v.get(2)).reshape(b, tokens, outF));
        // the same weight used untransposed (GPT-2 Conv1D layout [in, out]), transA on a shared 2-D weight
        crossCheck("matmul x W (2-D shared)", List.of(gaussian(b, tokens, in), gaussian(in, outF)),
                (t, v) -> MatMul.matmul(t, v.get(0), v.get(1)),
                (sd, v) -> sd.mmul(v.get(0).reshape(b * tokens, in), v.get(1)).reshape(b, tokens, outF));
        crossCheck("matmul x^T W (2-D shared, transA)", List.of(gaussian(b, in, tokens), gaussian(in, outF)),
                (t, v) -> MatMul.matmul(t, v.get(0), v.get(1), true, false),
                (sd, v) -> {
                    SDVariable[] rows = new SDVariable[(int) b];
                    for (int i = 0; i < b; i++) {
                        SDVariable xi = sd.squeeze(v.get(0).get(SDIndex.point(i), SDIndex.all(), SDIndex.all()), 0);
                        rows[i] = sd.mmul(xi, v.get(1), true, false, false);
                    }
                    return sd.stack(0, rows);
                });
    }

    @Test
    void broadcastingElementwiseChain() {
        // tanh(a * b + c) / (1 + exp(d)) with a [2,3,4], b [4], c [3,1], d [2,1,4]
        crossCheck("tanh(a*b+c)/(1+exp(d))",
                List.of(gaussian(2, 3, 4), gaussian(4), gaussian(3, 1), gaussian(2, 1, 4)),
                (t, v) -> Elementwise.div(t,
                        Elementwise.tanh(t, Elementwise.add(t, Elementwise.mul(t, v.get(0), v.get(1)), v.get(2))),
                        Elementwise.addScalar(t, Elementwise.exp(t, v.get(3)), 1.0)),
                (sd, v) -> sd.math.tanh(v.get(0).mul(v.get(1)).add(v.get(2)))
                        .div(sd.math.exp(v.get(3)).add(1.0)));
        // silu(a) - sigmoid(b) * a, b broadcast from [3,1]; sub with a broadcast left operand
        crossCheck("silu(a)-sigmoid(b)*a", List.of(gaussian(2, 3, 5), gaussian(3, 1)),
                (t, v) -> Elementwise.sub(t, Elementwise.silu(t, v.get(0)),
                        Elementwise.mul(t, Elementwise.sigmoid(t, v.get(1)), v.get(0))),
                (sd, v) -> sd.nn.swish(v.get(0)).sub(sd.nn.sigmoid(v.get(1)).mul(v.get(0))));
    }

    @Test
    void layerNormOverLastAxis() {
        // SameDiff's layerNorm(input, gain, bias, channelsFirst=false, dims={last}) standardises over the given
        // dims with the biased variance and, in this version, no epsilon; we match with eps = 0
        crossCheck("layerNorm [2,3,8] w,b", List.of(gaussian(2, 3, 8), gaussian(8), gaussian(8)),
                (t, v) -> Normalization.layerNorm(t, v.get(0), v.get(1), v.get(2), LAYER_NORM_EPS),
                (sd, v) -> sd.nn.layerNorm(v.get(0), v.get(1), v.get(2), false, 2));
        crossCheck("layerNorm [5,16] w,b", List.of(gaussian(5, 16), gaussian(16), gaussian(16)),
                (t, v) -> Normalization.layerNorm(t, v.get(0), v.get(1), v.get(2), LAYER_NORM_EPS),
                (sd, v) -> sd.nn.layerNorm(v.get(0), v.get(1), v.get(2), false, 1));
    }

    @Test
    void softmaxOverLastAxis() {
        crossCheck("softmax [2,3,7]", List.of(gaussian(2, 3, 7)),
                (t, v) -> Softmax.softmax(t, v.get(0)),
                (sd, v) -> sd.nn.softmax(v.get(0), 2));
        crossCheck("softmax [4,9] (scaled x3)", List.of(gaussian(4, 9).muli(3.0)),
                (t, v) -> Softmax.softmax(t, v.get(0)),
                (sd, v) -> sd.nn.softmax(v.get(0), 1));
    }

    /** softmax(q k^T * scale [+ mask]) v, permuted from [B, H, Tq, Dh] to our layout [B, Tq, H, Dh]. */
    private static SDVariable sdAttention(SameDiff sd, List<SDVariable> v, double scale, INDArray mask) {
        SDVariable scores = sd.mmul(v.get(0), v.get(1), false, true, false).mul(scale);
        if (mask != null) {
            scores = scores.add(sd.constant("mask", mask));
        }
        SDVariable probs = sd.nn.softmax(scores, 3);
        return sd.mmul(probs, v.get(2)).permute(0, 2, 1, 3);
    }

    @Test
    void attentionNonCausal() {
        long b = 2;
        long h = 3;
        long tq = 5;
        long tk = 6;
        long dh = 4;
        double scale = 1.0 / Math.sqrt(dh);
        crossCheck("attention non-causal Tq<Tk",
                List.of(gaussian(b, h, tq, dh), gaussian(b, h, tk, dh), gaussian(b, h, tk, dh)),
                (t, v) -> Attention.attention(t, v.get(0), v.get(1), v.get(2), null, scale, false),
                (sd, v) -> sdAttention(sd, v, scale, null));
        crossCheck("attention non-causal Tq=Tk",
                List.of(gaussian(b, h, tk, dh), gaussian(b, h, tk, dh), gaussian(b, h, tk, dh)),
                (t, v) -> Attention.attention(t, v.get(0), v.get(1), v.get(2), null, 0.7, false),
                (sd, v) -> sdAttention(sd, v, 0.7, null));
    }

    @Test
    void attentionCausal() {
        long b = 2;
        long h = 2;
        long tq = 4;
        long dh = 3;
        double scale = 1.0 / Math.sqrt(dh);
        for (long tk : new long[] {tq, tq + 3}) {
            // query i sits at absolute position tk - tq + i and may see keys 0..tk - tq + i
            long past = tk - tq;
            INDArray mask = Nd4j.zeros(DataType.DOUBLE, 1, 1, tq, tk);
            for (long i = 0; i < tq; i++) {
                for (long j = past + i + 1; j < tk; j++) {
                    mask.putScalar(new long[] {0, 0, i, j}, -1e9);
                }
            }
            crossCheck("causal attention Tq=" + tq + " Tk=" + tk,
                    List.of(gaussian(b, h, tq, dh), gaussian(b, h, tk, dh), gaussian(b, h, tk, dh)),
                    (t, v) -> Attention.causalSelfAttention(t, v.get(0), v.get(1), v.get(2), null, scale),
                    (sd, v) -> sdAttention(sd, v, scale, mask));
        }
    }
}
