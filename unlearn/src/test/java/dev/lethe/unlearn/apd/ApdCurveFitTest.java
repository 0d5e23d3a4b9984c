package dev.lethe.unlearn.apd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.lethe.engine.GradCheck;
import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * APD's curve model and ALM' loss: the curve on hand values, the whole loss against a plain-Java float64 computation
 * written from the paper's formulas (MLP, softplus, curve, three terms), the curve data's top-k/reversal, and float64
 * gradients of the loss w.r.t. ALM's logits and every MLP weight against central finite differences.
 */
class ApdCurveFitTest {
    static final int MODELS = 4;
    static final int P = 3;
    static final int K = 4;
    static final int V = 9;
    static final long[] SIZES = {1000, 4000, 16000, 64000};

    static double[][][] familyLogits(long seed) {
        Random r = new Random(seed);
        double[][][] l = new double[MODELS][P][V];
        double[][] truth = new double[P][V];
        for (int p = 0; p < P; p++) {
            for (int v = 0; v < V; v++) {
                truth[p][v] = r.nextGaussian() * 2;
            }
        }
        for (int m = 0; m < MODELS; m++) {
            double sharp = 0.4 + 0.2 * m; // larger models are closer to the "truth"
            for (int p = 0; p < P; p++) {
                for (int v = 0; v < V; v++) {
                    l[m][p][v] = sharp * truth[p][v] + r.nextGaussian() * 0.5;
                }
            }
        }
        return l;
    }

    static double[] row(INDArray a) {
        return a.dup('c').data().asDouble();
    }

    static double softplus(double x) {
        return Math.log1p(Math.exp(x));
    }

    /** The loss written out in loops from the formulas, independent of the tensor ops. */
    static double referenceLoss(ApdCurveFit fit, ApdBatch b, double[] alm) {
        double[] curves = row(b.curves().value());
        double[] rev = row(b.reversed().value());
        double[] llm = row(b.llmTopk().value());
        double[] small = row(b.smallestTopk().value());
        double[] s = row(b.sizes().value());
        int n = curves.length / MODELS;
        double fitSq = 0;
        double over = 0;
        double reg = 0;
        for (int p = 0; p < P; p++) {
            double z = 0;
            for (int j = 0; j < K; j++) {
                z += Math.exp(llm[p * K + j] - alm[p * K + j]);
            }
            for (int j = 0; j < K; j++) {
                int r = p * K + j;
                double c = Math.exp(llm[r] - alm[r]) / z;
                double asym = rev[r] == 1 ? 1 - c : c;
                double[] x = new double[MODELS];
                System.arraycopy(curves, r * MODELS, x, 0, MODELS);
                double[] out = mlp(fit, x);
                double bb = softplus(out[0]);
                double f = softplus(out[1]);
                double g = softplus(out[2]);
                for (int m = 0; m < MODELS; m++) {
                    double pred = asym + bb * Math.exp(-Math.max(0, f * (s[m] - g)));
                    double e = pred - curves[r * MODELS + m];
                    if (m < MODELS - 1) {
                        fitSq += e * e;
                    } else {
                        over += Math.max(0, e);
                    }
                }
                reg += (alm[r] - small[r]) * (alm[r] - small[r]);
            }
        }
        return Math.sqrt(fitSq / (n * (MODELS - 1)) + 1e-12) + 10 * Math.sqrt(over / n + 1e-12)
                + 0.8 * Math.sqrt(reg / n + 1e-12);
    }

    static double[] mlp(ApdCurveFit fit, double[] x) {
        for (int l = 0; l < 3; l++) {
            INDArray w = fit.parameters().get("mlp.w" + l).value();
            INDArray bias = fit.parameters().get("mlp.b" + l).value();
            double[] y = new double[(int) w.size(0)];
            for (int o = 0; o < y.length; o++) {
                double acc = bias.getDouble(0, o);
                for (int i = 0; i < x.length; i++) {
                    acc += w.getDouble(o, i) * x[i];
                }
                y[o] = l < 2 ? Math.max(0, acc) : acc;
            }
            x = y;
        }
        return x;
    }

    static double[] almLogits(long seed) {
        Random r = new Random(seed);
        double[] a = new double[P * K];
        for (int i = 0; i < a.length; i++) {
            a[i] = r.nextGaussian();
        }
        return a;
    }

    @Test
    void curveByHand() {
        try (Tape t = Tape.inference()) {
            Tensor one = Tensor.constant(DataType.DOUBLE, new double[] {0.2}, 1, 1);
            Tensor out = ApdCurveFit.curve(t, one, Tensor.constant(DataType.DOUBLE, new double[] {0.5}, 1, 1),
                    Tensor.constant(DataType.DOUBLE, new double[] {2}, 1, 1),
                    Tensor.constant(DataType.DOUBLE, new double[] {1}, 1, 1),
                    Tensor.constant(DataType.DOUBLE, new double[] {0, 1, 2, 3}, 1, 4));
            // s <= g: flat at c + b; after g: c + b e^{-f (s - g)}
            assertThat(row(out.value())).containsExactly(new double[] {0.7, 0.7, 0.2 + 0.5 * Math.exp(-2),
                    0.2 + 0.5 * Math.exp(-4)}, within(1e-15));
        }
    }

    @Test
    void curveDataTakesTheLargestModelsTopKAndReversesGrowingCurves() {
        double[][][] l = new double[3][1][4];
        l[0][0] = new double[] {0, 0, 0, 5};
        l[1][0] = new double[] {1, 0, 0, 3};
        l[2][0] = new double[] {3, 1, 0, -9};
        ApdBatch b = ApdCurves.build(l, new long[] {10, 100, 1000}, 2, DataType.DOUBLE);
        assertThat(b.topkIds()).containsExactly(0, 1);
        // top-2 {0, 1} renormalised: smallest (1/2, 1/2), largest (e^3, e^1)/(e^3 + e): token 0 grows -> reversed
        double big0 = Math.exp(3) / (Math.exp(3) + Math.exp(1));
        double mid0 = Math.exp(1) / (Math.exp(1) + 1);
        assertThat(row(b.curves().value())).containsExactly(new double[] {0.5, 1 - mid0, 1 - big0,
                0.5, 1 - mid0, 1 - big0}, within(1e-15));
        assertThat(row(b.reversed().value())).containsExactly(1, 0);
        assertThat(row(b.sizes().value())).containsExactly(new double[] {0, Math.log(10), Math.log(100)},
                within(1e-15));
        assertThat(row(b.llmTopk().value())).containsExactly(3, 1);
        assertThatThrownBy(() -> ApdCurves.build(l, new long[] {10, 5, 1000}, 2, DataType.DOUBLE))
                .hasMessageContaining("must increase");
    }

    @Test
    void lossEqualsAPlainJavaComputation() {
        ApdBatch b = ApdCurves.build(familyLogits(1), SIZES, K, DataType.DOUBLE);
        ApdCurveFit fit = ApdCurveFit.init(MODELS, 7, 3, DataType.DOUBLE);
        double[] alm = almLogits(5);
        try (Tape t = Tape.inference()) {
            double got = fit.loss(t, b, Tensor.constant(DataType.DOUBLE, alm, P, K)).item();
            assertThat(got).isCloseTo(referenceLoss(fit, b, alm), within(1e-12));
        }
    }

    @Test
    void gradientsMatchFiniteDifferencesInFloat64() {
        ApdBatch b = ApdCurves.build(familyLogits(2), SIZES, K, DataType.DOUBLE);
        ApdCurveFit fit = ApdCurveFit.init(MODELS, 7, 4, DataType.DOUBLE);
        Tensor alm = Tensor.parameter(Nd4j.createFromArray(almLogits(6)).reshape('c', P, K));
        List<Tensor> inputs = new ArrayList<>();
        inputs.add(alm);
        inputs.addAll(fit.parameters().values());
        GradCheck.Result res = GradCheck.check((t, v) -> fit.loss(t, b, v.get(0)), inputs);
        assertThat(res.perInput()).hasSize(7);
        assertThat(res.maxRelativeError()).isLessThan(1e-6);
        // the gradient reaches ALM's logits (the path that trains ALM')
        assertThat(alm.grad().norm2Number().doubleValue()).isPositive();
    }
}
