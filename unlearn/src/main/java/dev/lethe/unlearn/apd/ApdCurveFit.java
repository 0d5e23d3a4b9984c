package dev.lethe.unlearn.apd;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.ops.Elementwise;
import dev.lethe.engine.ops.MatMul;
import dev.lethe.engine.ops.Reductions;
import dev.lethe.engine.ops.Shaping;
import dev.lethe.engine.ops.Softmax;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * APD's curve model and ALM' loss (arXiv 2411.01610, sec. 3; algorithms.md sec. 7.2). For each of the LLM's top-k
 * tokens w at a position, its probability across the family (renormalised over the top-k, reversed p -> 1 - p when
 * it grows with size, so every curve decays) is fitted as a function of s = ln(params / params of the smallest):
 * <pre>
 *   p_s(w) = c(w) + b(w) * exp(-max(0, f(w) * (s - g(w))))        c(w) = softmax_topk(z_LLM - l')(w)  (1 - c reversed)
 * </pre>
 * b, f, g &gt; 0 (softplus) come from a 3-layer MLP over the observed curve; c, the asymptote, from ALM's logits l'.
 * The loss trains the MLP and ALM' together:
 * <pre>
 *   L = RMSE(p_s - p_obs over the smaller models) + 10 sqrt(mean max(0, p_largest - p_obs,largest))
 *       + 0.8 RMSE(l'_topk - z_smallest,topk)
 * </pre>
 * Each square root takes mean + 1e-12 so its gradient is finite when the term is exactly zero.
 */
public final class ApdCurveFit {
    static final double SQRT_EPS = 1e-12;
    public static final double OVERSHOOT_WEIGHT = 10;
    public static final double SMALLEST_WEIGHT = 0.8;

    private final Map<String, Tensor> params;

    private ApdCurveFit(Map<String, Tensor> params) {
        this.params = params;
    }

    /** An MLP from a curve of {@code models} points through two hidden layers of {@code hidden} units to (b, f, g). */
    public static ApdCurveFit init(int models, int hidden, long seed, DataType dtype) {
        Random rnd = new Random(seed);
        Map<String, Tensor> p = new LinkedHashMap<>();
        int[][] shapes = {{hidden, models}, {hidden, hidden}, {3, hidden}}; // [out, in], as MatMul.linear takes
        for (int l = 0; l < 3; l++) {
            double std = 1.0 / Math.sqrt(shapes[l][1]);
            double[] w = new double[shapes[l][0] * shapes[l][1]];
            for (int i = 0; i < w.length; i++) {
                w[i] = rnd.nextGaussian() * std;
            }
            p.put("mlp.w" + l, Tensor.parameter("mlp.w" + l, Nd4j.createFromArray(w).castTo(dtype)
                    .reshape('c', shapes[l][0], shapes[l][1])));
            p.put("mlp.b" + l, Tensor.parameter("mlp.b" + l, Nd4j.zeros(dtype, 1, shapes[l][0])));
        }
        return new ApdCurveFit(p);
    }

    /** The MLP's weights (w0, b0, w1, b1, w2, b2), trainable. */
    public Map<String, Tensor> parameters() {
        return params;
    }

    /** softplus(x) = log(1 + e^x) = -log sigmoid(-x). */
    static Tensor softplus(Tape t, Tensor x) {
        return Elementwise.neg(t, Elementwise.logSigmoid(t, Elementwise.neg(t, x)));
    }

    /** (b, f, g), each [N, 1] and positive, for curves [N, models]. */
    public Tensor[] bfg(Tape t, Tensor curves) {
        Tensor h = Elementwise.relu(t, MatMul.linear(t, curves, params.get("mlp.w0"), params.get("mlp.b0")));
        h = Elementwise.relu(t, MatMul.linear(t, h, params.get("mlp.w1"), params.get("mlp.b1")));
        Tensor out = softplus(t, MatMul.linear(t, h, params.get("mlp.w2"), params.get("mlp.b2")));
        return new Tensor[] {Shaping.slice(t, out, 1, 0, 1), Shaping.slice(t, out, 1, 1, 2),
                Shaping.slice(t, out, 1, 2, 3)};
    }

    /** p_s = c + b exp(-max(0, f (s - g))) for every size: c, b, f, g [N, 1], sizes [1, models] -> [N, models]. */
    public static Tensor curve(Tape t, Tensor c, Tensor b, Tensor f, Tensor g, Tensor sizes) {
        Tensor decay = Elementwise.relu(t, Elementwise.mul(t, f, Elementwise.sub(t, sizes, g)));
        return Elementwise.add(t, c, Elementwise.mul(t, b, Elementwise.exp(t, Elementwise.neg(t, decay))));
    }

    /**
     * The loss of one batch given ALM's logits at the LLM's top-k tokens, [P, k] (P positions, N = P k curves in
     * row-major order).
     */
    public Tensor loss(Tape t, ApdBatch batch, Tensor almTopk) {
        int n = batch.models();
        long curves = batch.curves().size(0);
        Tensor c = Softmax.softmax(t, Elementwise.sub(t, batch.llmTopk(), almTopk));
        c = Shaping.reshape(t, c, curves, 1);
        // reversed curves (r = 1) decay towards 1 - c: c (1 - 2r) + r
        Tensor asymptote = Elementwise.add(t, Elementwise.mul(t, c, batch.oneMinusTwoR()), batch.reversed());
        Tensor[] bfg = bfg(t, batch.curves());
        Tensor fitted = curve(t, asymptote, bfg[0], bfg[1], bfg[2], batch.sizes());
        Tensor err = Elementwise.sub(t, fitted, batch.curves());
        Tensor smaller = Shaping.slice(t, err, 1, 0, n - 1);
        Tensor largest = Shaping.slice(t, err, 1, n - 1, n);
        Tensor fit = rootMean(t, Elementwise.mul(t, smaller, smaller));
        Tensor overshoot = rootMean(t, Elementwise.relu(t, largest));
        Tensor toSmallest = Elementwise.sub(t, almTopk, batch.smallestTopk());
        Tensor reg = rootMean(t, Elementwise.mul(t, toSmallest, toSmallest));
        return Elementwise.add(t, fit, Elementwise.add(t, Elementwise.mulScalar(t, overshoot, OVERSHOOT_WEIGHT),
                Elementwise.mulScalar(t, reg, SMALLEST_WEIGHT)));
    }

    private static Tensor rootMean(Tape t, Tensor x) {
        return Elementwise.sqrt(t, Elementwise.addScalar(t, Reductions.meanAll(t, x), SQRT_EPS));
    }
}
