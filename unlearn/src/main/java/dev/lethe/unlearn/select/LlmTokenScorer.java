package dev.lethe.unlearn.select;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.Tape;
import dev.lethe.engine.ops.Shaping;
import dev.lethe.engine.ops.Softmax;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.unlearn.data.Batch;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * SU-LLM token scores (arXiv 2506.00876; algorithms.md 3.1): s_t = |p_ref(y_t) - p(y_t)|, the gap between the
 * probability of each answer token under the model being unlearned and under an assistant/reference model. Computed
 * once, before training, without gradients. Positions that are not answer tokens score 0.
 */
public final class LlmTokenScorer {
    private LlmTokenScorer() {
    }

    public static double[] score(CausalLM model, CausalLM assistant, Batch b) {
        double[] p = probabilities(model, b);
        double[] q = probabilities(assistant, b);
        double[] s = new double[p.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = Math.abs(q[i] - p[i]);
        }
        return s;
    }

    /** p(y_t | y_<t) at every answer position t (row-major [B, T]), 0 elsewhere. */
    static double[] probabilities(CausalLM m, Batch b) {
        int t = b.length();
        int[] targets = new int[b.batch() * (t - 1)];
        int[] keep = new int[targets.length];
        for (int i = 0; i < b.batch(); i++) {
            for (int j = 0; j < t - 1; j++) {
                int lab = b.labels()[i * t + j + 1];
                targets[i * (t - 1) + j] = lab;
                keep[i * (t - 1) + j] = lab == Batch.IGNORE ? 0 : 1;
            }
        }
        double[] out = new double[b.batch() * t];
        try (Tape tape = Tape.inference(new BufferPool())) {
            var logits = m.forward(tape, b.tokens()).logits();
            INDArray lp = Softmax.tokenLogProbs(tape, Shaping.slice(tape, logits, 1, 0, t - 1), targets, keep).value();
            for (int i = 0; i < b.batch(); i++) {
                for (int j = 0; j < t - 1; j++) {
                    if (keep[i * (t - 1) + j] != 0) {
                        out[i * t + j + 1] = Math.exp(lp.getDouble(i, j));
                    }
                }
            }
        }
        return out;
    }
}
