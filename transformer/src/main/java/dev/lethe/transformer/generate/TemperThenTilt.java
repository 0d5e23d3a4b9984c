package dev.lethe.transformer.generate;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.Tape;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.model.TokenBatch;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * T3, temper-then-tilt decoding (arXiv 2602.10217; algorithms.md 5.15.4): a frozen model's next-token distribution is
 * tempered and tilted by a guidance head that scores every token as retain-like (σ(c) → 1) or forget-like (σ(c) → 0),
 * ℓ̃(v) = log p(v) / T_b + s · log σ(c(v)), i.e. p̃ ∝ p^{1/T_b} · σ(c)^s. The head reads h̄, the running mean over every
 * token so far of the model's final (post-norm) hidden states; this processor recomputes it with one forward of the
 * frozen model per row and step (no cache, so its cost grows with the length).
 */
public final class TemperThenTilt implements LogitsProcessor {
    private final CausalLM model;
    private final GuidanceHead head;
    private final double baseTemperature;
    private final double scale;
    private final BufferPool pool = new BufferPool();

    public TemperThenTilt(CausalLM model, GuidanceHead head, double baseTemperature, double scale) {
        if (!(baseTemperature > 0) || !(scale >= 0)) {
            throw new IllegalArgumentException("T3 needs base_temp > 0 and guidance_scale >= 0, got " + baseTemperature
                    + " and " + scale);
        }
        this.model = model;
        this.head = head;
        this.baseTemperature = baseTemperature;
        this.scale = scale;
    }

    /** h̄_t = mean_{i ≤ t} h_i of the final hidden states of {@code ids} (unpadded), one row per position. */
    public static double[][] runningMeans(CausalLM model, int[] ids, BufferPool pool) {
        int[] mask = new int[ids.length];
        java.util.Arrays.fill(mask, 1);
        try (Tape tape = Tape.inference(pool)) {
            List<dev.lethe.engine.Tensor> hidden = model.forward(tape, new TokenBatch(ids, 1, ids.length, mask, null),
                    null, true).hiddenStates();
            INDArray h = hidden.get(hidden.size() - 1).value();
            int d = (int) h.size(2);
            double[][] out = new double[ids.length][d];
            double[] sum = new double[d];
            for (int t = 0; t < ids.length; t++) {
                for (int j = 0; j < d; j++) {
                    sum[j] += h.getDouble(0, t, j);
                    out[t][j] = sum[j] / (t + 1);
                }
            }
            return out;
        }
    }

    @Override
    public void process(DecodingStep step, double[][] logits) {
        for (int i = 0; i < logits.length; i++) {
            if (step.finished()[i]) {
                continue;
            }
            int[] ids = step.tokens()[i];
            double[] c = head.scores(runningMeans(model, ids, pool)[ids.length - 1]);
            double[] z = logits[i];
            double[] logp = Sampling.logSoftmax(z);
            for (int v = 0; v < z.length; v++) {
                // log p(v)/T_b + s log σ(c_v),  log σ(x) = −log(1 + e^{−x})
                double logSig = c[v] >= 0 ? -Math.log1p(Math.exp(-c[v])) : c[v] - Math.log1p(Math.exp(c[v]));
                z[v] = logp[v] / baseTemperature + scale * logSig;
            }
        }
    }
}
