package dev.lethe.unlearn.edit;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.model.TokenBatch;
import dev.lethe.transformer.tokenizer.Tokenizer;
import java.util.List;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.RealVector;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Reads what editing needs from one inference pass: at layer {@code l} and token {@code pos}, the key (input of the
 * MLP output matrix), the MLP output and the layer output (residual stream), in float64.
 */
final class MlpProbe {
    private MlpProbe() {
    }

    record Reading(RealVector key, RealVector mlpOut, RealVector layerOut) {
    }

    static Reading read(CausalLM model, int layer, int[] ids, int pos) {
        RealVector[] got = new RealVector[3];
        CausalLM.MlpHook hook = new CausalLM.MlpHook() {
            @Override
            public Tensor down(Tape tape, int l, Tensor input, Tensor output) {
                if (l == layer) {
                    got[0] = row(input, pos);
                    got[1] = row(output, pos);
                }
                return output;
            }

            @Override
            public void layerOutput(int l, Tensor output) {
                if (l == layer) {
                    got[2] = row(output, pos);
                }
            }
        };
        try (Tape tape = Tape.inference()) {
            model.forward(tape, TokenBatch.of(ids), hook);
        }
        return new Reading(got[0], got[1], got[2]);
    }

    static RealVector row(Tensor x, int pos) {
        return new ArrayRealVector(x.value().get(NDArrayIndex.point(0), NDArrayIndex.point(pos), NDArrayIndex.all())
                .toDoubleVector(), false);
    }

    /** Reading of the request's prompt after each prefix, averaged over prefixes (ROME's k*, MEMIT's keys). */
    static Reading mean(CausalLM model, Tokenizer tok, EditRequest r, int layer, List<String> prefixes) {
        RealVector k = null;
        RealVector m = null;
        RealVector h = null;
        for (String prefix : prefixes) {
            EditTokens t = EditTokens.prompt(tok, prefix, r.prompt(), r.subject());
            Reading one = read(model, layer, t.ids(), t.subjectLast());
            k = k == null ? one.key() : k.add(one.key());
            m = m == null ? one.mlpOut() : m.add(one.mlpOut());
            h = h == null ? one.layerOut() : h.add(one.layerOut());
        }
        double n = prefixes.size();
        return new Reading(k.mapDivide(n), m.mapDivide(n), h.mapDivide(n));
    }
}
