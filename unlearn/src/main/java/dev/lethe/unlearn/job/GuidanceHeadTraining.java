package dev.lethe.unlearn.job;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.ParameterSet;
import dev.lethe.optim.AdamW;
import dev.lethe.transformer.generate.GuidanceHead;
import dev.lethe.transformer.generate.TemperThenTilt;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.unlearn.data.Encoder;
import dev.lethe.unlearn.data.Example;
import dev.lethe.unlearn.data.QaRecord;
import dev.lethe.unlearn.recipe.Settings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Trains T3's guidance head on a frozen model (arXiv 2602.10217; algorithms.md 5.15.4): at every answer position t of
 * the forget and retain examples, with h̄_t the running mean of the final hidden states and y the next token,
 * L = −mean_n log σ(s_n · c_t[y]) with s = +1 on retain tokens and −1 on forget ones (binary cross-entropy with labels
 * 1 and 0). The head is bilinear, so the gradient is written out: with u = W_in h̄ and g = ∂L/∂c[y],
 * ∂L/∂W_out[y] += g·u and ∂L/∂W_in += g·W_out[y] ⊗ h̄. Full-batch AdamW steps.
 */
public final class GuidanceHeadTraining {
    /** Per token: the running mean h̄_t, the next token y and the sign s (+1 retain, −1 forget). */
    public record Features(double[][] hbar, int[] next, double[] sign) {
    }

    /** The loss and its gradients with respect to W_in and W_out (the head's layouts). */
    public record LossAndGradient(double loss, double[] wIn, double[] wOut) {
    }

    private GuidanceHeadTraining() {
    }

    /**
     * Settings of {@link #train(CausalLM, Tokenizer, List, List, Settings)}: prompt template and length as for
     * unlearning, head width 100, lr 5e-2 and weight decay 0 (open-unlearning's T3.yaml), 100 full-batch AdamW steps
     * (our choice; T3.yaml runs one epoch of batch-1 steps), seed 0, and the decoding defaults saved with the head,
     * base_temperature T_b = 1 and guidance_scale s = 1.
     */
    public static Settings defaults() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("template", "plain");
        m.put("max_length", "256");
        m.put("hidden", "100");
        m.put("steps", "100");
        m.put("lr", "5e-2");
        m.put("weight_decay", "0");
        m.put("seed", "0");
        m.put("base_temperature", "1");
        m.put("guidance_scale", "1");
        return new Settings(m);
    }

    /** Encodes forget and retain records with the settings' template and trains a head on {@code model}. */
    public static GuidanceHead train(CausalLM model, Tokenizer tok, List<QaRecord> forget, List<QaRecord> retain,
            Settings s) {
        if (forget.isEmpty() || retain.isEmpty()) {
            throw new IllegalArgumentException("T3 trains its head on forget and retain records; both sets must be"
                    + " non-empty (got " + forget.size() + " and " + retain.size() + ")");
        }
        Encoder enc = UnlearnJob.encoder(tok, s);
        return train(model, enc.encodeAll(forget), enc.encodeAll(retain), s.integer("hidden"), s.integer("steps"),
                s.number("lr"), s.number("weight_decay"), s.integer("seed"));
    }

    public static Features features(CausalLM model, List<Example> forget, List<Example> retain) {
        List<double[]> h = new ArrayList<>();
        List<Integer> y = new ArrayList<>();
        List<Double> s = new ArrayList<>();
        BufferPool pool = new BufferPool();
        for (int set = 0; set < 2; set++) {
            for (Example e : set == 0 ? forget : retain) {
                int[] ids = new int[e.length()];
                System.arraycopy(e.prompt(), 0, ids, 0, e.prompt().length);
                System.arraycopy(e.answer(), 0, ids, e.prompt().length, e.answer().length);
                double[][] means = TemperThenTilt.runningMeans(model, ids, pool);
                for (int t = Math.max(0, e.prompt().length - 1); t < ids.length - 1; t++) {
                    h.add(means[t]);
                    y.add(ids[t + 1]);
                    s.add(set == 0 ? -1.0 : 1.0);
                }
            }
        }
        if (h.isEmpty()) {
            throw new IllegalArgumentException("T3 needs forget and retain examples with answer tokens");
        }
        return new Features(h.toArray(double[][]::new), y.stream().mapToInt(Integer::intValue).toArray(),
                s.stream().mapToDouble(Double::doubleValue).toArray());
    }

    public static LossAndGradient lossAndGradient(GuidanceHead head, Features f) {
        int n = f.next().length;
        int hd = head.hidden();
        int d = head.dim();
        double[] gIn = new double[head.wIn().length];
        double[] gOut = new double[head.wOut().length];
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double[] u = head.project(f.hbar()[i]);
            int y = f.next()[i];
            double c = 0;
            for (int k = 0; k < hd; k++) {
                c += head.wOut()[y * hd + k] * u[k];
            }
            double x = f.sign()[i] * c;
            loss += x >= 0 ? Math.log1p(Math.exp(-x)) : -x + Math.log1p(Math.exp(x)); // −log σ(s c)
            double g = -f.sign()[i] / (1 + Math.exp(x)) / n; // ∂L/∂c = −s σ(−s c) / N
            for (int k = 0; k < hd; k++) {
                double wk = head.wOut()[y * hd + k];
                gOut[y * hd + k] += g * u[k];
                for (int j = 0; j < d; j++) {
                    gIn[k * d + j] += g * wk * f.hbar()[i][j];
                }
            }
        }
        return new LossAndGradient(loss / n, gIn, gOut);
    }

    /** A head of width {@code hidden} trained for {@code steps} AdamW steps at {@code lr} from a seeded init. */
    public static GuidanceHead train(CausalLM model, List<Example> forget, List<Example> retain, int hidden, int steps,
            double lr, double weightDecay, long seed) {
        if (hidden < 1 || steps < 0 || !(lr > 0)) {
            throw new IllegalArgumentException("T3 head needs hidden >= 1, steps >= 0 and lr > 0");
        }
        Features f = features(model, forget, retain);
        int d = model.config().hiddenSize();
        int v = model.config().vocabSize();
        GuidanceHead head = GuidanceHead.init(hidden, d, v, seed);
        INDArray wIn = Nd4j.createFromArray(head.wIn());
        INDArray wOut = Nd4j.createFromArray(head.wOut());
        ParameterSet params = ParameterSet.of(named(wIn, wOut));
        AdamW opt = new AdamW(lr, 0.9, 0.999, 1e-8, weightDecay);
        for (int s = 0; s < steps; s++) {
            LossAndGradient lg = lossAndGradient(new GuidanceHead(hidden, d, v, wIn.toDoubleVector(),
                    wOut.toDoubleVector()), f);
            opt.step(params, ParameterSet.of(named(Nd4j.createFromArray(lg.wIn()), Nd4j.createFromArray(lg.wOut()))));
        }
        return new GuidanceHead(hidden, d, v, wIn.toDoubleVector(), wOut.toDoubleVector());
    }

    private static Map<String, INDArray> named(INDArray wIn, INDArray wOut) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("w_in", wIn);
        m.put("w_out", wOut);
        return m;
    }
}
