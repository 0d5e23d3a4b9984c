package dev.lethe.examples.cli;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.ParameterSet;
import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.io.CheckpointReader;
import dev.lethe.optim.AdamW;
import dev.lethe.transformer.check.ReferenceCheck;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.model.TokenBatch;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The {@code adamw1.<param>} / {@code adamw3.<param>} quantities of a reference file (../shared/fixtures/README.md):
 * torch.optim.AdamW(lr=1e-2, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1 on every parameter) run on the reference
 * batch, with Hugging Face's causal-LM loss ({@link ReferenceCheck#hfLoss}) recomputed before each step. It updates
 * the given model in place, so callers pass a freshly loaded copy.
 */
public final class ReferenceAdamW {
    /** The reference's optimizer settings. */
    public static final double LR = 1e-2;
    public static final double BETA1 = 0.9;
    public static final double BETA2 = 0.95;
    public static final double EPS = 1e-8;
    public static final double WEIGHT_DECAY = 0.1;

    private ReferenceAdamW() {
    }

    /** Name prefix of the parameters after one AdamW step taken from the reference's own gradients. */
    public static final String ISOLATED = "adamw1_refgrad";

    /**
     * The optimizer alone: one AdamW step from the model's parameters along the reference's {@code grad.<param>}
     * tensors (PyTorch's gradients of the same loss), so no difference in the backward pass reaches the comparison
     * with {@code adamw1.<param>}. Returns the parameters after the step as {@code adamw1_refgrad.<param>} for every
     * parameter the reference has a gradient of; {@code model} is not modified.
     */
    public static Map<String, INDArray> isolatedStep(CausalLM model, CheckpointReader ref) throws IOException {
        Map<String, INDArray> params = new LinkedHashMap<>();
        Map<String, INDArray> grads = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : model.parameters().entrySet()) {
            if (ref.contains("grad." + e.getKey())) {
                params.put(e.getKey(), e.getValue().value().dup());
                grads.put(e.getKey(), ref.readFloat32("grad." + e.getKey()));
            }
        }
        new AdamW(LR, BETA1, BETA2, EPS, WEIGHT_DECAY).step(ParameterSet.of(params), ParameterSet.of(grads));
        Map<String, INDArray> out = new LinkedHashMap<>();
        params.forEach((name, value) -> out.put(ISOLATED + "." + name, value));
        return out;
    }

    /**
     * Runs {@code max(recordAfter)} AdamW steps on {@code model} (modified in place, in the model's dtype) and returns,
     * for each step count k in {@code recordAfter}, copies of every parameter after k steps named
     * {@code adamw<k><suffix>.<param>}.
     */
    public static Map<String, INDArray> run(CausalLM model, ReferenceCheck.Inputs in, String suffix,
                                            int... recordAfter) {
        if (in.labels() == null) {
            throw new IllegalArgumentException("AdamW steps need labels in the reference file to compute the loss");
        }
        int steps = Arrays.stream(recordAfter).max().orElse(0);
        AdamW opt = new AdamW(LR, BETA1, BETA2, EPS, WEIGHT_DECAY);
        ParameterSet values = ParameterSet.values(model.parameters().values());
        BufferPool pool = new BufferPool();
        TokenBatch batch = new TokenBatch(in.ids(), in.batch(), in.length(), in.mask(), null);
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (int step = 1; step <= steps; step++) {
            for (Tensor p : model.parameters().values()) {
                p.clearGrad();
            }
            try (Tape tape = Tape.recording(pool)) {
                CausalLM.Output o = model.forward(tape, batch);
                Tensor loss = ReferenceCheck.hfLoss(tape, o.logits(), in.labels(), in.batch(), in.length());
                tape.backward(loss);
            }
            opt.step(values, ParameterSet.gradients(model.parameters().values()));
            for (int k : recordAfter) {
                if (k == step) {
                    for (Map.Entry<String, INDArray> e : values) {
                        out.put("adamw" + k + suffix + "." + e.getKey(), e.getValue().dup());
                    }
                }
            }
        }
        return out;
    }
}
