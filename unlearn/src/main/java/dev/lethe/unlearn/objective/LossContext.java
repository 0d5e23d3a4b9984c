package dev.lethe.unlearn.objective;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.ops.Softmax;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.unlearn.data.Batch;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One step's inputs for objectives: the tape, the model being unlearned, the frozen reference model (or null), and
 * named batches ("forget", "retain", "chosen", "rejected", ...). Forward passes are computed on first use and cached,
 * so objectives that read the same batch share one forward. The reference model's parameters are constants, so its
 * forward on the same tape records nothing.
 */
public final class LossContext {
    private final Tape tape;
    private final CausalLM model;
    private final CausalLM reference;
    private final Map<String, Batch> batches;
    private final Map<String, ModelScores> scores = new HashMap<>();
    private final Map<String, ModelScores> referenceScores = new HashMap<>();

    public LossContext(Tape tape, CausalLM model, CausalLM reference, Map<String, Batch> batches) {
        this.tape = tape;
        this.model = model;
        this.reference = reference;
        this.batches = Map.copyOf(batches);
    }

    /**
     * A context over scores computed elsewhere, without models: {@link #scores} and {@link #referenceScores} return
     * the given ones (used to measure an objective on its own, e.g. {@code ObjectiveBench}).
     */
    public static LossContext ofScores(Tape tape, Map<String, Batch> batches, Map<String, ModelScores> scores,
            Map<String, ModelScores> referenceScores) {
        LossContext c = new LossContext(tape, null, null, batches);
        c.scores.putAll(scores);
        c.referenceScores.putAll(referenceScores);
        return c;
    }

    public Tape tape() {
        return tape;
    }

    public CausalLM model() {
        return model;
    }

    public Batch batch(String name) {
        Batch b = batches.get(name);
        if (b == null) {
            throw new IllegalArgumentException("this objective needs a '" + name + "' batch; the step has "
                    + batches.keySet());
        }
        return b;
    }

    public boolean hasBatch(String name) {
        return batches.containsKey(name);
    }

    /** The trained model's scores on a batch (recorded on the tape). */
    public ModelScores scores(String batchName) {
        return scores.computeIfAbsent(batchName, n -> score(model, batch(n)));
    }

    /** The frozen reference model's scores on a batch (nothing recorded). */
    public ModelScores referenceScores(String batchName) {
        if (reference == null && !referenceScores.containsKey(batchName)) {
            throw new IllegalStateException("this objective needs a frozen reference model; none was given");
        }
        return referenceScores.computeIfAbsent(batchName, n -> score(reference, batch(n)));
    }

    private ModelScores score(CausalLM m, Batch b) {
        CausalLM.Output out = m.forward(tape, b.tokens(), null, true);
        return scores(tape, out.logits(), out.hiddenStates(), b);
    }

    /** The scores of logits [B, T, V] on batch {@code b}: next-token log-probabilities of its labelled tokens. */
    public static ModelScores scores(Tape tape, Tensor logits, List<Tensor> hidden, Batch b) {
        int t = b.length();
        int[] targets = new int[b.batch() * (t - 1)];
        int[] scored = new int[targets.length];
        int count = 0;
        for (int i = 0; i < b.batch(); i++) {
            for (int j = 0; j < t - 1; j++) {
                int lab = b.labels()[i * t + j + 1];
                targets[i * (t - 1) + j] = lab;
                scored[i * (t - 1) + j] = lab == Batch.IGNORE ? 0 : 1;
                count += scored[i * (t - 1) + j];
            }
        }
        Tensor lp = Softmax.shiftedTokenLogProbs(tape, logits, targets, scored);
        return new ModelScores(logits, lp, targets, scored, count, hidden, b.batch(), t);
    }
}
