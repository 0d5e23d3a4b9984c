package dev.lethe.transformer.generate;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.Tape;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.model.KvCache;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A second causal LM run in lockstep with the generator's model, for processors that contrast two models (the amateur
 * of contrastive decoding, APD's ALM'): every step it is fed the generator's own input (left-padded prompt at step 0,
 * then the chosen tokens, finished rows masked) with a KV cache of its own, sized like the generator's, and returns
 * its next-token log-probabilities. The cache lives for one generate call, from step 0 to the last step, so an
 * instance serves one request at a time: a step out of sequence (a second call interleaved with the first) is an error.
 */
final class CompanionModel {
    private final CausalLM model;
    private final String role;
    private KvCache cache;
    private BufferPool pool;
    private int nextStep;

    CompanionModel(CausalLM model, String role) {
        if (model == null) {
            throw new IllegalArgumentException("the " + role + " model is missing; load it with CausalLM.load(dir)");
        }
        this.model = model;
        this.role = role;
    }

    CausalLM model() {
        return model;
    }

    /** Fails with a clear message when two models cannot be contrasted token by token. */
    static void requireSameVocabulary(CausalLM main, CausalLM second, String role) {
        int a = main.config().vocabSize();
        int b = second.config().vocabSize();
        if (a != b) {
            throw new IllegalArgumentException("the " + role + " model" + where(second) + " has vocab_size " + b
                    + " but the generating model" + where(main) + " has " + a
                    + ": both must share one tokenizer and vocabulary; pick a " + role + " of the same family");
        }
    }

    private static String where(CausalLM m) {
        return m.sourceDir() == null ? "" : " (" + m.sourceDir() + "/config.json)";
    }

    /** log_softmax of this model's next-token logits for every row of the step, [B][V]. */
    synchronized double[][] nextLogProbs(DecodingStep step, int vocab) {
        if (vocab != model.config().vocabSize()) {
            throw new IllegalArgumentException("the " + role + " model" + where(model) + " has vocab_size "
                    + model.config().vocabSize() + " but the generating model's logits have " + vocab
                    + " entries: both must share one tokenizer and vocabulary");
        }
        if (step.step() == 0) {
            cache = KvCache.forModel(model, step.input().batch(), step.cacheCapacity());
            pool = new BufferPool();
        } else if (cache == null || step.step() != nextStep) {
            throw new IllegalStateException("the " + role + " processor got step " + step.step() + " but expected "
                    + nextStep + ": it holds one generate call's KV cache, so make a new processor per request");
        }
        nextStep = step.step() + 1;
        double[][] rows = new double[step.input().batch()][vocab];
        try (Tape tape = Tape.inference(pool)) {
            INDArray out = model.forward(tape, step.input(), cache, false).logits().value();
            Generator.lastPosition(out, rows);
        }
        for (int i = 0; i < rows.length; i++) {
            rows[i] = Sampling.logSoftmax(rows[i]);
        }
        return rows;
    }
}
