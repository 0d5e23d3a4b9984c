package dev.lethe.optim;

import dev.lethe.engine.ParameterSet;
import dev.lethe.engine.kernel.Buf;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Stochastic gradient descent with torch.optim.SGD semantics: {@code d = g + wd*p}; with momentum μ the buffer starts
 * as {@code d} on the first step and is then {@code b = μ b + (1 - dampening) d}; Nesterov uses {@code d + μ b},
 * otherwise {@code b}; finally {@code p -= lr * d}. One fused loop per parameter array, in the parameter's dtype;
 * state is {@code momentum_buffer} (present when momentum is non-zero).
 */
public final class Sgd extends TorchOptimizer {
    private final double momentum;
    private final double dampening;
    private final double weightDecay;
    private final boolean nesterov;

    public Sgd(double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        super(lr);
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("Nesterov momentum requires a momentum and zero dampening");
        }
        this.momentum = momentum;
        this.dampening = dampening;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
    }

    /** Plain gradient descent. */
    public Sgd(double lr) {
        this(lr, 0, 0, 0, false);
    }

    @Override
    protected List<String> bufferNames() {
        return momentum != 0 ? List.of("momentum_buffer") : List.of();
    }

    @Override
    public void step(ParameterSet params, ParameterSet direction) {
        boolean first = !hasBuffers();
        ParameterSet buffer = momentum != 0 ? buffer("momentum_buffer", params) : null;
        nextStep();
        double lr = learningRate();
        for (Map.Entry<String, INDArray> e : params) {
            String name = e.getKey();
            INDArray p = e.getValue();
            INDArray g = direction.get(name);
            Buf bp = Buf.of(p);
            Buf bg = Buf.of(g);
            Buf bb = null;
            if (momentum != 0) {
                requireContiguous(name, p, g, buffer.get(name));
                bb = Buf.of(buffer.get(name));
            } else {
                requireContiguous(name, p, g);
            }
            int n = (int) p.length();
            if (bp.isFloat()) {
                float fwd = (float) weightDecay;
                float mu = (float) momentum;
                float damp = (float) (1 - dampening);
                float fLr = (float) lr;
                for (int i = 0; i < n; i++) {
                    float pi = bp.floats().get(i);
                    float d = bg.floats().get(i);
                    if (weightDecay != 0) {
                        d = d + fwd * pi;
                    }
                    if (bb != null) {
                        float b = first ? d : bb.floats().get(i) * mu + damp * d;
                        bb.floats().put(i, b);
                        d = nesterov ? d + mu * b : b;
                    }
                    bp.floats().put(i, pi + -fLr * d);
                }
            } else {
                for (int i = 0; i < n; i++) {
                    double pi = bp.get(i);
                    double d = bg.get(i);
                    if (weightDecay != 0) {
                        d = d + weightDecay * pi;
                    }
                    if (bb != null) {
                        double b = first ? d : bb.get(i) * momentum + (1 - dampening) * d;
                        bb.set(i, b);
                        d = nesterov ? d + momentum * b : b;
                    }
                    bp.set(i, pi + -lr * d);
                }
            }
        }
    }
}
