package dev.lethe.eval.text;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.Tape;
import dev.lethe.eval.Progress;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.model.TokenBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Teacher-forced scoring of whole documents, as membership-inference code does ({@code model(ids, labels=ids)}: MUSE
 * {@code privleak.py}, open-unlearning {@code tokenwise_logprobs}; algorithms.md 11.3): for a document of n tokens,
 * the log-probability of tokens 2..n given everything before them, and optionally the mean
 * {@code mu_t = sum_v p_v log p_v} and variance {@code sum_v p_v (log p_v)^2 - mu_t^2} of the log-probability under
 * the model's own next-token distribution at each of those positions (for Min-k%++, arXiv 2404.02936). Log-softmax is
 * computed in float64 from the logits. Documents are right-padded into batches sorted by length; a document longer
 * than {@code maxLength} keeps its first {@code maxLength} tokens.
 */
public final class DocumentScorer {

    /** Scores of one document; {@code mu} and {@code variance} are null unless moments were asked for. */
    public record Scored(double[] tokenLogProbs, double[] mu, double[] variance, boolean truncated) {
        /** Mean negative log-likelihood of the scored tokens (Hugging Face's loss with labels = inputs). */
        public double meanNll() {
            double s = 0;
            for (double v : tokenLogProbs) {
                s -= v;
            }
            return s / tokenLogProbs.length;
        }
    }

    /** Positions whose vocabulary rows are turned into float64 at once (bounds the temporary memory). */
    private static final int CHUNK = 64;

    private final CausalLM model;
    private final ScoringBatches batches;

    /**
     * @param batchSize documents per forward pass (&gt;= 1)
     * @param maxLength longest document in tokens; clamped to the model's context length
     */
    public DocumentScorer(CausalLM model, int batchSize, int maxLength) {
        this.model = model;
        this.batches = ScoringBatches.of(model, batchSize, maxLength);
    }

    public int maxLength() {
        return batches.maxLength();
    }

    /**
     * Scores every document (token ids, e.g. {@code tokenizer.encode(text, true)}); results come back in input order.
     *
     * @param moments also compute the per-position mean and variance for Min-k%++
     */
    public List<Scored> score(List<int[]> documents, boolean moments, Progress progress, String stage) {
        int n = documents.size();
        int vocab = model.config().vocabSize();
        int[][] docs = new int[n][];
        for (int i = 0; i < n; i++) {
            int[] d = documents.get(i);
            if (d.length < 2) {
                throw new IllegalArgumentException("document " + (i + 1) + " encodes to " + d.length + " token(s);"
                        + " scoring needs at least 2 (the first token is only context)");
            }
            for (int id : d) {
                if (id < 0 || id >= vocab) {
                    throw new IllegalArgumentException("document " + (i + 1) + " has token id " + id + ", outside the"
                            + " model's vocabulary [0, " + vocab + "); is the tokenizer the model's own?");
                }
            }
            docs[i] = d.length > batches.maxLength() ? Arrays.copyOf(d, batches.maxLength()) : d;
        }
        Integer[] order = ScoringBatches.longestFirst(n, i -> docs[i].length);
        Scored[] out = new Scored[n];
        BufferPool pool = new BufferPool();
        for (int start = 0; start < n; start += batches.batchSize()) {
            int b = Math.min(batches.batchSize(), n - start);
            int t = docs[order[start]].length;
            int[] ids = new int[b * t];
            int[] mask = new int[b * t];
            for (int k = 0; k < b; k++) {
                int[] d = docs[order[start + k]];
                System.arraycopy(d, 0, ids, k * t, d.length);
                Arrays.fill(mask, k * t, k * t + d.length, 1);
            }
            try (Tape tape = Tape.inference(pool)) {
                INDArray logits = model.forward(tape, new TokenBatch(ids, b, t, mask, null)).logits().value();
                for (int k = 0; k < b; k++) {
                    int i = order[start + k];
                    out[i] = row(logits, k, docs[i], moments, documents.get(i).length > docs[i].length);
                }
            }
            progress.update(stage, start + b, n);
        }
        return new ArrayList<>(Arrays.asList(out));
    }

    /** Log-softmax of row k's positions 0..len-2 (chunked, float64), the targets' log-probs and the moments. */
    private static Scored row(INDArray logits, int k, int[] doc, boolean moments, boolean truncated) {
        int m = doc.length - 1;
        double[] lp = new double[m];
        double[] mu = moments ? new double[m] : null;
        double[] var = moments ? new double[m] : null;
        for (int from = 0; from < m; from += CHUNK) {
            int to = Math.min(m, from + CHUNK);
            INDArray x = logits.get(NDArrayIndex.point(k), NDArrayIndex.interval(from, to), NDArrayIndex.all())
                    .castTo(DataType.DOUBLE);
            INDArray max = x.max(1).reshape(to - from, 1);
            INDArray shifted = x.subColumnVector(max);
            INDArray lse = Transforms.log(Transforms.exp(shifted, true).sum(1), false).reshape(to - from, 1);
            INDArray logp = shifted.subColumnVector(lse);
            for (int j = from; j < to; j++) {
                lp[j] = logp.getDouble(j - from, doc[j + 1]);
            }
            if (moments) {
                INDArray p = Transforms.exp(logp, true);
                INDArray plp = p.mul(logp);
                INDArray first = plp.sum(1);
                INDArray second = plp.mul(logp).sum(1);
                for (int j = from; j < to; j++) {
                    double a = first.getDouble(j - from);
                    mu[j] = a;
                    var[j] = second.getDouble(j - from) - a * a;
                }
            }
        }
        return new Scored(lp, mu, var, truncated);
    }
}
