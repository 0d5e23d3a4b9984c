package dev.lethe.eval.edit;

import dev.lethe.engine.Tape;
import dev.lethe.engine.ops.Softmax;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.model.TokenBatch;
import dev.lethe.transformer.tokenizer.PromptTemplate;
import dev.lethe.transformer.tokenizer.Tokenizer;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * How a model answers a prompt, by one teacher-forced pass over prompt + " " + answer: whether greedy decoding would
 * produce the answer's tokens ({@link #predicts}: each answer token is the argmax given everything before it), and the
 * answer's mean per-token negative log-likelihood ({@link #meanNll}, CounterFact's comparison of targets). Text is
 * encoded as fine-tuning saw it (see {@link #span}).
 */
public final class AnswerScores implements Answerer {
    private final CausalLM model;
    private final Tokenizer tok;

    public AnswerScores(CausalLM model, Tokenizer tok) {
        this.model = model;
        this.tok = tok;
    }

    private record Scored(boolean greedy, double meanNll) {
    }

    @Override
    public boolean predicts(String prompt, String answer) {
        return score(prompt, answer).greedy();
    }

    @Override
    public double meanNll(String prompt, String answer) {
        return score(prompt, answer).meanNll();
    }

    /**
     * The ids scored for prompt + " " + answer, encoded as fine-tuning saw the text ({@link PromptTemplate#rawTextIds}:
     * BOS first when training adds one), and the index of the first answer token ({@code ids.length} when the answer
     * adds no token of its own).
     */
    record Span(int[] ids, int answerStart) {
    }

    static Span span(Tokenizer tok, String prompt, String answer) {
        int[] p = PromptTemplate.rawTextIds(tok, prompt);
        int[] full = PromptTemplate.rawTextIds(tok, prompt + (answer.startsWith(" ") ? answer : " " + answer));
        int start = p.length;
        if (full.length <= start || !Arrays.equals(p, Arrays.copyOf(full, start))) {
            // the answer merged with the prompt's last token: score what follows the common prefix
            start = 0;
            while (start < Math.min(p.length, full.length) && p[start] == full[start]) {
                start++;
            }
        }
        return new Span(full, start);
    }

    private Scored score(String prompt, String answer) {
        Span span = span(tok, prompt, answer);
        int[] full = span.ids();
        int start = span.answerStart();
        if (start >= full.length || start == 0) {
            return new Scored(false, Double.POSITIVE_INFINITY);
        }
        try (Tape tape = Tape.inference()) {
            INDArray logits = model.forward(tape, TokenBatch.of(full)).logits().value();
            INDArray logp = Softmax.logSoftmax(tape, tape.constant(logits)).value();
            boolean greedy = true;
            double nll = 0;
            for (int t = start; t < full.length; t++) {
                INDArray row = logp.get(NDArrayIndex.point(0), NDArrayIndex.point(t - 1), NDArrayIndex.all());
                double[] v = row.toDoubleVector();
                int arg = 0;
                for (int i = 1; i < v.length; i++) {
                    arg = v[i] > v[arg] ? i : arg;
                }
                greedy &= arg == full[t];
                nll -= v[full[t]];
            }
            return new Scored(greedy, nll / (full.length - start));
        }
    }

    /** Perplexity exp(mean token NLL) over texts (each encoded as {@link #span} does, at most maxTokens tokens). */
    public double perplexity(java.util.List<String> texts, int maxTokens) {
        double nll = 0;
        long n = 0;
        for (String text : texts) {
            int[] ids = PromptTemplate.rawTextIds(tok, text);
            ids = Arrays.copyOf(ids, Math.min(ids.length, maxTokens));
            if (ids.length < 2) {
                continue;
            }
            int[] targets = Arrays.copyOfRange(ids, 1, ids.length);
            try (Tape tape = Tape.inference()) {
                INDArray lp = Softmax.shiftedTokenLogProbs(tape, model.forward(tape, TokenBatch.of(ids)).logits(),
                        targets, null).value();
                nll -= lp.sumNumber().doubleValue();
                n += targets.length;
            }
        }
        return n == 0 ? Double.NaN : Math.exp(nll / n);
    }
}
