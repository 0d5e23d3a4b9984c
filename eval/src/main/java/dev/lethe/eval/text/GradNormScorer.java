package dev.lethe.eval.text;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.ops.Elementwise;
import dev.lethe.engine.ops.Reductions;
import dev.lethe.engine.ops.Softmax;
import dev.lethe.eval.Progress;
import dev.lethe.eval.metrics.GradNormScore;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.model.TokenBatch;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The gradient-norm membership score ({@link GradNormScore}) of answers given prompts: per pair, one forward and
 * backward pass of the answer's mean NLL (the answer tokens, truncated as {@link AnswerScorer#fit} does; the EOS
 * prediction left out when {@code eosId >= 0} and it survived truncation, as in the LOSS attack), then the mean over
 * the parameter tensors that received a gradient of the gradient's p-norm. One pair per pass (no padding), as open-unlearning's
 * per-sample backward. The model's gradients are cleared afterwards; its weights are not changed.
 */
public final class GradNormScorer {
    private final CausalLM model;
    private final AnswerScorer fitter;

    public GradNormScorer(CausalLM model, int maxLength) {
        this.model = model;
        this.fitter = new AnswerScorer(model, 1, maxLength);
    }

    /** One score per (prompts[i], answers[i]); {@code p} is 1, 2 or infinity; {@code eosId} < 0: keep every token. */
    public double[] score(List<int[]> prompts, List<int[]> answers, int eosId, double p, Progress progress,
            String stage) {
        if (prompts.size() != answers.size()) {
            throw new IllegalArgumentException(prompts.size() + " prompts but " + answers.size() + " answers");
        }
        Collection<Tensor> params = model.parameters().values();
        if (params.stream().noneMatch(Tensor::requiresGrad)) {
            throw new IllegalArgumentException("gradient-norm score: no parameter received a gradient; the model is"
                    + " frozen (load it with CausalLM.load, not as a frozen copy)");
        }
        double[] out = new double[prompts.size()];
        BufferPool pool = new BufferPool();
        try {
            for (int i = 0; i < out.length; i++) {
                int[][] f = fitter.fit(prompts.get(i), answers.get(i));
                int[] a = answers.get(i);
                int scoredAnswer = f[1].length;
                if (eosId >= 0 && scoredAnswer > 1 && scoredAnswer == a.length && a[a.length - 1] == eosId) {
                    scoredAnswer--;
                }
                out[i] = one(f[0], f[1], scoredAnswer, params, p, pool);
                progress.update(stage, i + 1, out.length);
            }
        } finally {
            params.forEach(Tensor::clearGrad);
        }
        return out;
    }

    private double one(int[] prompt, int[] answer, int scoredAnswer, Collection<Tensor> params, double p,
            BufferPool pool) {
        int t = prompt.length + answer.length;
        int[] ids = new int[t];
        System.arraycopy(prompt, 0, ids, 0, prompt.length);
        System.arraycopy(answer, 0, ids, prompt.length, answer.length);
        int[] mask = new int[t];
        java.util.Arrays.fill(mask, 1);
        int[] targets = new int[t];
        int[] keep = new int[t];
        // position j predicts token j + 1
        for (int j = prompt.length - 1; j < prompt.length - 1 + scoredAnswer; j++) {
            targets[j] = ids[j + 1];
            keep[j] = 1;
        }
        params.forEach(Tensor::clearGrad);
        try (Tape tape = Tape.recording(pool)) {
            Tensor logits = model.forward(tape, new TokenBatch(ids, 1, t, mask, null)).logits();
            Tensor lp = Softmax.tokenLogProbs(tape, logits, targets, keep);
            tape.backward(Elementwise.mulScalar(tape, Reductions.sumAll(tape, lp), -1.0 / scoredAnswer));
        }
        // as open-unlearning: the tensors that received a gradient (frozen ones, e.g. a LoRA model's base, do not)
        List<INDArray> grads = new ArrayList<>();
        for (Tensor w : params) {
            if (w.grad() != null) {
                grads.add(w.grad());
            }
        }
        return GradNormScore.score(grads, p);
    }
}
