package dev.lethe.unlearn.edit;

import dev.lethe.engine.ParameterSet;
import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.ops.Elementwise;
import dev.lethe.engine.ops.Reductions;
import dev.lethe.engine.ops.Shaping;
import dev.lethe.engine.ops.Softmax;
import dev.lethe.optim.AdamW;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.model.TokenBatch;
import dev.lethe.transformer.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.RealVector;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The value a request should write (ROME's v*, MEMIT's z): a vector δ added to layer {@code l}'s MLP output at the
 * subject's last token, found with Adam on (ROME arXiv 2202.05262, eq. 4; MEMIT arXiv 2210.07229, eq. 16)
 * <pre>
 *   mean_j −log p(target | prefix_j + prompt)  +  klFactor · KL(p_init("{subject} is a") ‖ p_δ)  +  weightDecay · ‖δ‖ / ‖h‖²
 * </pre>
 * with ‖δ‖ clamped to clampNormFactor·‖h‖ after each step; h is the MLP output (ROME) or the layer output (MEMIT)
 * at the subject's last token of the plain prompt. Gradients come from Lethe's own autodiff; the model is frozen.
 */
final class TargetValue {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TargetValue.class);
    private TargetValue() {
    }

    /** δ and the reference h; the target is h + δ. {@code finalNll} is the target NLL after the last step. */
    record Result(RealVector delta, RealVector reference, double finalNll, int steps) {
        RealVector target() {
            return reference.add(delta);
        }
    }

    static Result optimise(CausalLM model, Tokenizer tok, EditRequest r, int layer, boolean residualReference,
            double clampFactor, EditSettings s) {
        List<EditTokens> rewrites = new ArrayList<>();
        for (String prefix : s.prefixes()) {
            rewrites.add(EditTokens.withTarget(tok, prefix, r, r.targetNew()));
        }
        EditTokens kl = EditTokens.prompt(tok, "", s.klPrompt(), r.subject());
        EditTokens plain = EditTokens.prompt(tok, "", r.prompt(), r.subject());
        MlpProbe.Reading init = MlpProbe.read(model, layer, plain.ids(), plain.subjectLast());
        RealVector h = residualReference ? init.layerOut() : init.mlpOut();
        double hNorm = h.getNorm();
        INDArray logPInit;
        try (Tape tape = Tape.inference()) {
            logPInit = lastLogProbs(tape, model.forward(tape, TokenBatch.of(kl.ids()), null).logits()).value().dup();
        }
        INDArray pInit = Nd4j.math().exp(logPInit);

        Map<String, Boolean> frozen = freeze(model);
        Tensor delta = Tensor.parameter("delta", Nd4j.zeros(model.dtype(), h.getDimension()));
        AdamW adam = new AdamW(s.valueLr(), 0.9, 0.999, 1e-8, 0.0);
        double nll = Double.NaN;
        int step = 0;
        try {
            for (; step < s.valueSteps(); step++) {
                delta.zeroGrad();
                try (Tape tape = Tape.recording()) {
                    Tensor nllSum = null;
                    for (EditTokens t : rewrites) {
                        Tensor logits = model.forward(tape, TokenBatch.of(t.ids()), addAt(layer, t.subjectLast(), delta))
                                .logits();
                        Tensor one = Elementwise.mulScalar(tape, Reductions.sumAll(tape, targetLogProbs(tape, logits, t)),
                                -1.0 / t.targetCount());
                        nllSum = nllSum == null ? one : Elementwise.add(tape, nllSum, one);
                    }
                    Tensor meanNll = Elementwise.mulScalar(tape, nllSum, 1.0 / rewrites.size());
                    Tensor logP = lastLogProbs(tape, model.forward(tape, TokenBatch.of(kl.ids()),
                            addAt(layer, kl.subjectLast(), delta)).logits());
                    Tensor klTerm = Reductions.sumAll(tape, Elementwise.mul(tape, tape.constant(pInit),
                            Elementwise.sub(tape, tape.constant(logPInit), logP)));
                    // ‖δ‖ with torch.norm's zero gradient at δ = 0 (the ε² = 1e-20 changes nothing else)
                    Tensor norm = Elementwise.sqrt(tape, Elementwise.addScalar(tape,
                            Reductions.sumAll(tape, Elementwise.mul(tape, delta, delta)), 1e-20));
                    Tensor loss = Elementwise.add(tape, meanNll, Elementwise.add(tape,
                            Elementwise.mulScalar(tape, klTerm, s.klFactor()),
                            Elementwise.mulScalar(tape, norm, s.weightDecay() / (hNorm * hNorm))));
                    nll = meanNll.item();
                    LOG.debug("value step {}: nll {} kl {} ‖δ‖ {}", step, nll, klTerm.item(), norm.item());
                    if (loss.item() < 5e-2) {
                        break;
                    }
                    tape.backward(loss);
                }
                adam.step(ParameterSet.values(List.of(delta)), ParameterSet.gradients(List.of(delta)));
                double max = clampFactor * hNorm;
                double dn = delta.value().norm2Number().doubleValue();
                if (dn > max) {
                    delta.value().muli(max / dn);
                }
            }
        } finally {
            frozen.forEach((name, on) -> model.parameters().get(name).requiresGrad(on));
        }
        return new Result(new ArrayRealVector(delta.value().toDoubleVector(), false), h, nll, step);
    }

    /** log p over the vocabulary at the last position, [1, 1, V]. */
    private static Tensor lastLogProbs(Tape tape, Tensor logits) {
        long t = logits.size(1);
        return Softmax.logSoftmax(tape, Shaping.slice(tape, logits, 1, t - 1, t));
    }

    /** log p(target token | everything before), nonzero only at the target positions, [1, T-1]. */
    private static Tensor targetLogProbs(Tape tape, Tensor logits, EditTokens t) {
        int n = t.ids().length;
        int[] targets = new int[n - 1];
        int[] mask = new int[n - 1];
        for (int i = 0; i < n - 1; i++) {
            targets[i] = t.ids()[i + 1];
            mask[i] = i + 1 >= t.targetStart() ? 1 : 0;
        }
        return Softmax.shiftedTokenLogProbs(tape, logits, targets, mask);
    }

    /** A hook adding δ to layer {@code layer}'s MLP output at token {@code pos}. */
    static CausalLM.MlpHook addAt(int layer, int pos, Tensor delta) {
        return (tape, l, input, output) -> {
            if (l != layer) {
                return output;
            }
            INDArray m = Nd4j.zeros(output.dtype(), 1, output.size(1), 1);
            m.putScalar(new long[] {0, pos, 0}, 1.0);
            return Elementwise.add(tape, output, Elementwise.mul(tape, tape.constant(m), delta));
        };
    }

    private static Map<String, Boolean> freeze(CausalLM model) {
        Map<String, Boolean> was = new java.util.LinkedHashMap<>();
        model.parameters().forEach((name, p) -> {
            was.put(name, p.requiresGrad());
            p.requiresGrad(false);
        });
        return was;
    }
}
