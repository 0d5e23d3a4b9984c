package dev.lethe.eval.text;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.ops.Softmax;
import dev.lethe.eval.Progress;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.model.TokenBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Teacher-forced scoring of answers given prompts, batched with right padding: for each (prompt ids, answer ids) pair,
 * the log-probability of every answer token given everything before it, and the mean negative log-likelihood over
 * the answer tokens ({@code avgLoss}; {@code exp(-avgLoss)} is TOFU's length-normalised probability
 * {@code P(a|q)^(1/|a|)}, algorithms.md 10.2). Requests are sorted by length so a batch wastes little padding; the
 * results come back in request order. A pair longer than {@code maxLength} keeps the end of the prompt and the start
 * of the answer (at least one answer token), as the unlearn module's encoder does.
 */
public final class AnswerScorer {

    /** One scored answer: per-token log-probs of the answer tokens (as scored, after truncation) and their mean NLL. */
    public record Scored(double[] tokenLogProbs, double avgLoss) {
        public int tokens() {
            return tokenLogProbs.length;
        }
    }

    private final CausalLM model;
    private final ScoringBatches batches;

    /**
     * @param batchSize sequences per forward pass (&gt;= 1)
     * @param maxLength longest sequence; clamped to the model's context length
     */
    public AnswerScorer(CausalLM model, int batchSize, int maxLength) {
        this.model = model;
        this.batches = ScoringBatches.of(model, batchSize, maxLength);
    }

    public int maxLength() {
        return batches.maxLength();
    }

    /** Prompt and answer after truncation to {@link #maxLength()}: {prompt, answer}. */
    public int[][] fit(int[] prompt, int[] answer) {
        if (answer.length == 0) {
            throw new IllegalArgumentException("an answer encodes to no tokens; nothing to score (empty answer text"
                    + " and no EOS?)");
        }
        int[] p = prompt;
        int[] a = answer;
        if (p.length >= batches.maxLength()) {
            p = Arrays.copyOfRange(p, p.length - batches.maxLength() + 1, p.length);
        }
        if (p.length + a.length > batches.maxLength()) {
            a = Arrays.copyOf(a, batches.maxLength() - p.length);
        }
        if (p.length == 0) {
            throw new IllegalArgumentException("a prompt encodes to no tokens; the first answer token has no context"
                    + " (use a template with text or a tokenizer with BOS)");
        }
        return new int[][] {p, a};
    }

    /** Scores every (prompts[i], answers[i]) pair. */
    public List<Scored> score(List<int[]> prompts, List<int[]> answers, Progress progress, String stage) {
        if (prompts.size() != answers.size()) {
            throw new IllegalArgumentException(prompts.size() + " prompts but " + answers.size() + " answers");
        }
        int n = prompts.size();
        int[][][] fitted = new int[n][][];
        for (int i = 0; i < n; i++) {
            fitted[i] = fit(prompts.get(i), answers.get(i));
        }
        Integer[] order = ScoringBatches.longestFirst(n, i -> fitted[i][0].length + fitted[i][1].length);
        Scored[] out = new Scored[n];
        BufferPool pool = new BufferPool();
        int vocab = model.config().vocabSize();
        for (int start = 0; start < n; start += batches.batchSize()) {
            int b = Math.min(batches.batchSize(), n - start);
            int t = 0;
            for (int k = 0; k < b; k++) {
                int[][] f = fitted[order[start + k]];
                t = Math.max(t, f[0].length + f[1].length);
            }
            int[] ids = new int[b * t];
            int[] mask = new int[b * t];
            int[] targets = new int[b * t];
            int[] keep = new int[b * t];
            for (int k = 0; k < b; k++) {
                int[][] f = fitted[order[start + k]];
                int pl = f[0].length;
                int len = pl + f[1].length;
                for (int j = 0; j < len; j++) {
                    int id = j < pl ? f[0][j] : f[1][j - pl];
                    if (id < 0 || id >= vocab) {
                        throw new IllegalArgumentException("token id " + id + " is outside the model's vocabulary [0, "
                                + vocab + "); is the tokenizer the model's own?");
                    }
                    ids[k * t + j] = id;
                    mask[k * t + j] = 1;
                }
                // position j predicts token j + 1; score the answer tokens
                for (int j = pl - 1; j < len - 1; j++) {
                    targets[k * t + j] = ids[k * t + j + 1];
                    keep[k * t + j] = 1;
                }
            }
            try (Tape tape = Tape.inference(pool)) {
                Tensor logits = model.forward(tape, new TokenBatch(ids, b, t, mask, null)).logits();
                INDArray lp = Softmax.tokenLogProbs(tape, logits, targets, keep).value();
                for (int k = 0; k < b; k++) {
                    int[][] f = fitted[order[start + k]];
                    int pl = f[0].length;
                    double[] tok = new double[f[1].length];
                    double sum = 0;
                    for (int j = 0; j < tok.length; j++) {
                        tok[j] = lp.getDouble(k, pl - 1 + j);
                        sum += tok[j];
                    }
                    out[order[start + k]] = new Scored(tok, -sum / tok.length);
                }
            }
            progress.update(stage, start + b, n);
        }
        return new ArrayList<>(Arrays.asList(out));
    }
}
