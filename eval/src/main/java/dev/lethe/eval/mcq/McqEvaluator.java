package dev.lethe.eval.mcq;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.Tape;
import dev.lethe.eval.Progress;
import dev.lethe.eval.text.AnswerScorer;
import dev.lethe.transformer.generate.Sampling;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.model.TokenBatch;
import dev.lethe.transformer.tokenizer.Tokenizer;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Multiple-choice accuracy by option likelihood (lm-evaluation-harness {@code output_type: multiple_choice}; algorithms.md
 * 12): the continuations {@code " A"} .. {@code " D"} are split off as lm-eval does ({@code encode(context + cont)}
 * minus the first {@code len(encode(context))} tokens) and scored by their summed token log-probability. When the four
 * continuations differ only in their last token (one token each, as " A" on Llama/OLMo tokenizers, or a shared space
 * token then the letter on byte-level BPEs without "ĠA") one forward pass over the context and the shared tokens gives
 * all four from the next-token distribution; otherwise each continuation is scored on its own. A context too long for
 * the window keeps its end as lm-eval does: the model reads {@code (context + continuation)[-(window + 1):][:-1]}. The prediction is the argmax (first on ties, as
 * {@code np.argmax}). Contexts longer than the model's window keep their last tokens (lm-eval's left truncation).
 * The context is encoded with the tokenizer's special tokens (BOS) when {@code addSpecialTokens} is set, as
 * open-instruct's MMLU script (SemEval's MMLU) does; lm-eval's default adds none.
 */
public final class McqEvaluator {

    /** Per question: the four option log-probabilities, the prediction and whether the context was truncated. */
    public record Scored(double[] logProbs, int prediction, boolean truncated) implements Serializable {
    }

    /** Accuracy over all questions, per subject (subject order as given), and each question's scores. */
    public record Result(double accuracy, int correct, int total, Map<String, double[]> subjects,
                         List<Scored> scored, int truncated) {
    }

    private final CausalLM model;
    private final Tokenizer tokenizer;
    private final int batchSize;
    private final boolean addSpecialTokens;
    private final int window;
    /** Tests: score every continuation on its own (the general path). */
    boolean forceSeparate;

    public McqEvaluator(CausalLM model, Tokenizer tokenizer, int batchSize, boolean addSpecialTokens) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        this.model = model;
        this.tokenizer = tokenizer;
        this.batchSize = batchSize;
        this.addSpecialTokens = addSpecialTokens;
        int ctx = model.config().maxPositionEmbeddings();
        this.window = ctx > 0 ? ctx : Integer.MAX_VALUE;
    }

    /** lm-eval's continuation split: the tokens of {@code context + " " + letter} after the context's tokens. */
    public int[][] continuations(String context, int[] contextIds) {
        int[][] out = new int[4][];
        for (int j = 0; j < 4; j++) {
            int[] whole = tokenizer.encode(context + " " + McqItem.LETTERS.get(j), addSpecialTokens);
            if (whole.length <= contextIds.length) {
                throw new IllegalArgumentException("the continuation \" " + McqItem.LETTERS.get(j)
                        + "\" adds no token after the context; the tokenizer merges it into the context");
            }
            out[j] = Arrays.copyOfRange(whole, contextIds.length, whole.length);
        }
        return out;
    }

    /** Scores the questions; {@code contexts.get(i)} is the full prompt of {@code items.get(i)}. */
    public Result evaluate(List<McqItem> items, List<String> contexts, Progress progress) {
        return result(items, score(items, contexts, 0, 1, progress));
    }

    /**
     * Part {@code part} (0-based) of {@code parts} of {@link #evaluate}'s scoring: the questions are tokenised and
     * batched as one evaluation does, then this part scores the one-pass batches {@code b} with
     * {@code b % parts == part} and (part 0 only) all questions scored option by option; the other questions stay
     * null. Every batch holds the same rows as in one evaluation, so the parts merged give exactly its scores.
     */
    public Scored[] score(List<McqItem> items, List<String> contexts, int part, int parts, Progress progress) {
        if (part < 0 || part >= parts) {
            throw new IllegalArgumentException("part must be in 0.." + (parts - 1) + ", got " + part);
        }
        if (items.size() != contexts.size()) {
            throw new IllegalArgumentException(items.size() + " items but " + contexts.size() + " contexts");
        }
        int n = items.size();
        Scored[] out = new Scored[n];
        List<Integer> fast = new ArrayList<>();
        List<int[]> fastCtx = new ArrayList<>();
        List<int[]> fastIds = new ArrayList<>();
        List<Integer> fastPrefix = new ArrayList<>();
        List<Integer> slow = new ArrayList<>();
        List<int[][]> slowCont = new ArrayList<>();
        List<int[]> slowCtx = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] ctx = tokenizer.encode(contexts.get(i), addSpecialTokens);
            int[][] cont = continuations(contexts.get(i), ctx);
            if (!forceSeparate && sharedPrefix(cont)) {
                int m = cont[0].length - 1;
                int[] row = Arrays.copyOf(ctx, ctx.length + m);
                System.arraycopy(cont[0], 0, row, ctx.length, m);
                fast.add(i);
                fastCtx.add(row);
                fastPrefix.add(m);
                int len = cont[0].length;
                fastIds.add(new int[] {cont[0][len - 1], cont[1][len - 1], cont[2][len - 1], cont[3][len - 1]});
            } else {
                slow.add(i);
                slowCtx.add(ctx);
                slowCont.add(cont);
            }
        }
        BufferPool pool = new BufferPool();
        int done = 0;
        for (int start = 0; start < fast.size(); start += batchSize) {
            if (start / batchSize % parts != part) {
                continue;
            }
            int b = Math.min(batchSize, fast.size() - start);
            int[][] rows = new int[b][];
            boolean[] cut = new boolean[b];
            int t = 0;
            for (int k = 0; k < b; k++) {
                int[] c = fastCtx.get(start + k);
                cut[k] = c.length > window;
                rows[k] = cut[k] ? Arrays.copyOfRange(c, c.length - window, c.length) : c;
                t = Math.max(t, rows[k].length);
            }
            int[] ids = new int[b * t];
            int[] mask = new int[b * t];
            for (int k = 0; k < b; k++) {
                for (int j = 0; j < rows[k].length; j++) {
                    ids[k * t + j] = rows[k][j];
                    mask[k * t + j] = 1;
                }
            }
            try (Tape tape = Tape.inference(pool)) {
                INDArray logits = model.forward(tape, new TokenBatch(ids, b, t, mask, null)).logits().value();
                for (int k = 0; k < b; k++) {
                    int last = rows[k].length - 1;
                    double shared = 0;
                    for (int q = fastPrefix.get(start + k); q > 0; q--) {
                        // the shared token at row position last - q + 1, predicted at last - q
                        shared += logSoftmax(logits, k, last - q)[rows[k][last - q + 1]];
                    }
                    double[] row = logSoftmax(logits, k, last);
                    int[] opt = fastIds.get(start + k);
                    double[] lp = new double[4];
                    for (int j = 0; j < 4; j++) {
                        lp[j] = shared + row[opt[j]];
                    }
                    out[fast.get(start + k)] = new Scored(lp, argmax(lp), cut[k]);
                }
            }
            done += b;
            progress.update("multiple choice", done, n);
        }
        if (part == 0 && !slow.isEmpty()) {
            AnswerScorer scorer = new AnswerScorer(model, batchSize, window == Integer.MAX_VALUE ? 1 << 20 : window);
            List<int[]> prompts = new ArrayList<>();
            List<int[]> answers = new ArrayList<>();
            for (int s = 0; s < slow.size(); s++) {
                for (int j = 0; j < 4; j++) {
                    // keep the context's end so the whole continuation fits (one token less context than lm-eval
                    // keeps when it truncates)
                    int[] c = slowCtx.get(s);
                    int room = window == Integer.MAX_VALUE ? c.length : window - slowCont.get(s)[j].length;
                    if (room < 1) {
                        throw new IllegalArgumentException("an option's continuation fills the model's window");
                    }
                    prompts.add(c.length > room ? Arrays.copyOfRange(c, c.length - room, c.length) : c);
                    answers.add(slowCont.get(s)[j]);
                }
            }
            List<AnswerScorer.Scored> sc = scorer.score(prompts, answers, Progress.NONE, "multiple choice");
            for (int s = 0; s < slow.size(); s++) {
                double[] lp = new double[4];
                for (int j = 0; j < 4; j++) {
                    lp[j] = Arrays.stream(sc.get(4 * s + j).tokenLogProbs()).sum();
                }
                boolean cut = slowCtx.get(s).length + Arrays.stream(slowCont.get(s)).mapToInt(c -> c.length).max()
                        .orElse(0) > window;
                out[slow.get(s)] = new Scored(lp, argmax(lp), cut);
            }
            progress.update("multiple choice", n, n);
        }
        return out;
    }

    /** Accuracy over all questions and per subject from every question's scores ({@link #score}'s parts merged). */
    public static Result result(List<McqItem> items, Scored[] out) {
        int n = items.size();
        if (out.length != n) {
            throw new IllegalArgumentException(n + " items but " + out.length + " scores");
        }
        int correct = 0;
        int truncated = 0;
        Map<String, int[]> per = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            if (out[i] == null) {
                throw new IllegalArgumentException("question " + i + " has no score; merge the scores of every part");
            }
            boolean ok = out[i].prediction() == items.get(i).answer();
            correct += ok ? 1 : 0;
            truncated += out[i].truncated() ? 1 : 0;
            int[] c = per.computeIfAbsent(String.valueOf(items.get(i).subject()), k -> new int[2]);
            c[0] += ok ? 1 : 0;
            c[1]++;
        }
        Map<String, double[]> subjects = new LinkedHashMap<>();
        per.forEach((k, v) -> subjects.put(k, new double[] {(double) v[0] / v[1], v[0], v[1]}));
        return new Result(n == 0 ? Double.NaN : (double) correct / n, correct, n, subjects, List.of(out), truncated);
    }

    /** True when the continuations have one length and differ only in the last token. */
    static boolean sharedPrefix(int[][] cont) {
        int len = cont[0].length;
        for (int[] c : cont) {
            if (c.length != len || !Arrays.equals(c, 0, len - 1, cont[0], 0, len - 1)) {
                return false;
            }
        }
        return true;
    }

    /** Log-softmax (double precision) of the logits of row k at position t. */
    static double[] logSoftmax(INDArray logits, int k, int t) {
        return Sampling.logSoftmax(logits.get(NDArrayIndex.point(k), NDArrayIndex.point(t), NDArrayIndex.all())
                .castTo(DataType.DOUBLE).toDoubleVector());
    }

    /** First index of the maximum. */
    static int argmax(double[] v) {
        int best = 0;
        for (int j = 1; j < v.length; j++) {
            if (v[j] > v[best]) {
                best = j;
            }
        }
        return best;
    }
}
