package dev.lethe.unlearn.apd;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.ParameterSet;
import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.engine.ops.Elementwise;
import dev.lethe.engine.ops.Indexing;
import dev.lethe.engine.ops.Shaping;
import dev.lethe.optim.AdamW;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.model.TokenBatch;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Steps (1) and (2) of APD: trains ALM' for a model family on a token corpus. ALM' starts as a copy of the family's
 * smallest model; each step takes random windows of the corpus, runs every family model on them (no gradient), builds
 * the top-k curves of the largest model's candidates ({@link ApdCurves}) and takes an AdamW step on ALM' and the curve
 * MLP together on {@link ApdCurveFit#loss}. The result is the model {@link
 * dev.lethe.transformer.generate.AsymptoticProbabilityDecoding} contrasts the largest model with.
 */
public final class AlmFit {

    /**
     * @param topK   candidate tokens per position (the largest model's top-k)
     * @param steps  AdamW steps
     * @param batch  windows per step
     * @param length tokens per window
     * @param lr     learning rate of ALM' and the MLP
     * @param hidden hidden units of the curve MLP (100 in the APD code)
     * @param seed   seed of the window draw and the MLP init
     */
    public record Settings(int topK, int steps, int batch, int length, double lr, int hidden, long seed) {
        public Settings {
            if (topK < 2 || steps < 1 || batch < 1 || length < 2 || !(lr > 0) || hidden < 1) {
                throw new IllegalArgumentException("APD fit settings: top-k >= 2, steps >= 1, batch >= 1, length >= 2,"
                        + " lr > 0 and hidden >= 1 are needed, got " + this);
            }
        }

        /** 10 candidates, 300 steps of 4 windows of 32 tokens, lr 1e-3, MLP hidden size 100. */
        public static Settings defaults() {
            return new Settings(10, 300, 4, 32, 1e-3, 100, 0);
        }
    }

    /** The trained ALM', the curve MLP and the loss of every step. */
    public record Result(CausalLM alm, ApdCurveFit curveFit, List<Double> losses) {
    }

    private AlmFit() {
    }

    /** The family sorted by parameter count, checked: at least 3 models, one vocabulary, distinct sizes. */
    public static List<CausalLM> family(Collection<CausalLM> models) {
        List<CausalLM> f = new ArrayList<>(models);
        f.sort(Comparator.comparingLong(CausalLM::parameterCount));
        if (f.size() < 3) {
            throw new IllegalArgumentException("APD fits curves over a family of at least 3 models; got " + f.size()
                    + " (pass --family DIR1,DIR2,DIR3,...)");
        }
        for (int i = 1; i < f.size(); i++) {
            if (f.get(i).config().vocabSize() != f.get(0).config().vocabSize()) {
                throw new IllegalArgumentException("family model " + f.get(i).sourceDir() + " has vocab_size "
                        + f.get(i).config().vocabSize() + " but " + f.get(0).sourceDir() + " has "
                        + f.get(0).config().vocabSize() + ": an APD family shares one tokenizer");
            }
            if (f.get(i).parameterCount() == f.get(i - 1).parameterCount()) {
                throw new IllegalArgumentException("family models " + f.get(i - 1).sourceDir() + " and "
                        + f.get(i).sourceDir() + " have the same size; APD needs distinct sizes");
            }
        }
        return f;
    }

    /** Fits ALM' on windows that start anywhere in a token stream. */
    public static Result fit(Collection<CausalLM> models, int[] corpus, Settings s, Consumer<String> log) {
        if (corpus.length < s.length() + 1) {
            throw new IllegalArgumentException("the APD corpus has " + corpus.length + " tokens; at least "
                    + (s.length() + 1) + " are needed for windows of " + s.length());
        }
        return fit(models, corpus, null, s, log);
    }

    /**
     * Fits ALM' on documents encoded as the family was trained on them (e.g. BOS + text + EOS), concatenated in order;
     * every window starts at the first token of a document, as a decoding prompt does (a window longer than its
     * document runs on into the next ones).
     */
    public static Result fit(Collection<CausalLM> models, List<int[]> documents, Settings s, Consumer<String> log) {
        int[] starts = windowStarts(documents, s.length());
        if (starts.length == 0) {
            throw new IllegalArgumentException("the APD corpus has " + documents.stream().mapToInt(d -> d.length).sum()
                    + " tokens in " + documents.size() + " documents; at least " + s.length()
                    + " are needed for windows of " + s.length());
        }
        int[] corpus = new int[documents.stream().mapToInt(d -> d.length).sum()];
        int at = 0;
        for (int[] d : documents) {
            System.arraycopy(d, 0, corpus, at, d.length);
            at += d.length;
        }
        return fit(models, corpus, starts, s, log);
    }

    /** The offsets of the documents' first tokens in their concatenation from which a whole window fits. */
    static int[] windowStarts(List<int[]> documents, int length) {
        int total = documents.stream().mapToInt(d -> d.length).sum();
        List<Integer> starts = new ArrayList<>();
        int at = 0;
        for (int[] d : documents) {
            if (at + length <= total) {
                starts.add(at);
            }
            at += d.length;
        }
        return starts.stream().mapToInt(Integer::intValue).toArray();
    }

    /** {@code starts}: where windows may start, null for anywhere. */
    private static Result fit(Collection<CausalLM> models, int[] corpus, int[] starts, Settings s,
                              Consumer<String> log) {
        List<CausalLM> fam = family(models);
        long[] sizes = fam.stream().mapToLong(CausalLM::parameterCount).toArray();
        CausalLM alm = fam.get(0).copy();
        int vocab = alm.config().vocabSize();
        ApdCurveFit curveFit = ApdCurveFit.init(fam.size(), s.hidden(), s.seed(), alm.dtype());
        List<Tensor> trainable = new ArrayList<>(alm.parameters().values());
        trainable.addAll(curveFit.parameters().values());
        ParameterSet values = ParameterSet.values(trainable);
        AdamW opt = new AdamW(s.lr());
        SplittableRandom rnd = new SplittableRandom(s.seed());
        BufferPool pool = new BufferPool();
        List<Double> losses = new ArrayList<>();
        int positions = s.batch() * s.length();
        for (int step = 0; step < s.steps(); step++) {
            int[] ids = new int[positions];
            for (int b = 0; b < s.batch(); b++) {
                int from = starts == null ? rnd.nextInt(corpus.length - s.length() + 1)
                        : starts[rnd.nextInt(starts.length)];
                System.arraycopy(corpus, from, ids, b * s.length(), s.length());
            }
            TokenBatch input = new TokenBatch(ids, s.batch(), s.length(), null, null);
            double[][][] logits = new double[fam.size()][][];
            for (int m = 0; m < fam.size(); m++) {
                logits[m] = logitsRows(fam.get(m), input, pool, positions, vocab);
            }
            ApdBatch data = ApdCurves.build(logits, sizes, s.topK(), alm.dtype());
            for (Tensor p : trainable) {
                p.clearGrad();
            }
            double loss;
            try (Tape t = Tape.recording(pool)) {
                Tensor out = alm.forward(t, input).logits();
                Tensor rows = Shaping.reshape(t, out, positions, 1, vocab);
                Tensor spread = Elementwise.add(t, rows, t.constant(t.zeros(alm.dtype(), 1, s.topK(), 1)));
                Tensor almTopk = Shaping.reshape(t, Indexing.gatherLast(t, spread, data.topkIds()), positions,
                        s.topK());
                Tensor l = curveFit.loss(t, data, almTopk);
                loss = l.item();
                t.backward(l);
            }
            if (!Double.isFinite(loss)) {
                throw new IllegalStateException("APD fit: the loss became " + loss + " at step " + step
                        + "; lower the learning rate (" + s.lr() + ")");
            }
            opt.step(values, ParameterSet.gradients(trainable));
            losses.add(loss);
            if (log != null && (step % 25 == 0 || step == s.steps() - 1)) {
                log.accept(String.format("apd fit step %d/%d loss %.5f", step + 1, s.steps(), loss));
            }
        }
        return new Result(alm, curveFit, losses);
    }

    /** A model's next-token logits at every position of the input, [B T][V]. */
    static double[][] logitsRows(CausalLM model, TokenBatch input, BufferPool pool, int positions, int vocab) {
        double[][] rows = new double[positions][vocab];
        try (Tape t = Tape.inference(pool)) {
            INDArray out = model.forward(t, input).logits().value().dup('c');
            Buf buf = Buf.of(out);
            for (int r = 0; r < positions; r++) {
                for (int j = 0; j < vocab; j++) {
                    rows[r][j] = buf.get(r * vocab + j);
                }
            }
        }
        return rows;
    }
}
