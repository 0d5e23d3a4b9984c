package dev.lethe.unlearn.edit;

import dev.lethe.transformer.model.CausalLM;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.RealVector;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Layer {@code l}'s MLP output matrix as the editing math sees it, W [D, F] with out = W k + b, whatever the storage
 * (torch Linear [D, F], GPT-2 Conv1D [F, D]).
 */
final class MlpMatrix {
    private MlpMatrix() {
    }

    static RealMatrix weight(CausalLM model, int l) {
        INDArray w = model.parameters().get(model.mlpOutputWeight(l)).value();
        RealMatrix m = new Array2DRowRealMatrix(w.toDoubleMatrix(), false);
        return model.mlpOutputIsConv1d() ? m.transpose() : m;
    }

    /** W k + b: what the unedited matrix makes of key k. */
    static RealVector output(CausalLM model, int l, RealVector k) {
        RealVector out = weight(model, l).operate(k);
        String bias = model.mlpOutputBias(l);
        return bias == null ? out : out.add(new ArrayRealVector(model.parameters().get(bias).value().toDoubleVector()));
    }

    /** W ← W + ΔW in place (rounded to the model's dtype). */
    static void add(CausalLM model, int l, RealMatrix delta) {
        INDArray w = model.parameters().get(model.mlpOutputWeight(l)).value();
        RealMatrix d = model.mlpOutputIsConv1d() ? delta.transpose() : delta;
        INDArray dw = Nd4j.create(d.getData()).castTo(w.dataType());
        w.addi(dw);
    }
}
