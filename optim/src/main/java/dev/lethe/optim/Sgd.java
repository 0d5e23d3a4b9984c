package dev.lethe.optim;

import dev.lethe.engine.ParameterSet;
import dev.lethe.engine.kernel.Buf;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Stochastic gradient descent with torch.optim.SGD semantics: {@code d = g + wd*p}; with momentum μ the buffer starts
 * as {@code d} on the first step and is then {@code b = μ b + (1 - dampening) d}; Nesterov uses {@code d + μ b},
 * otherwise {@code b}; finally {@code p -= lr * d}. One fused loop per parameter array, in the parameter's dtype;
 * state is {@code momentum_buffer} (present when momentum is non-zero).
 */
public final class Sgd implements Optimizer {
    private double lr;
    private final double momentum;
    private final double dampening;
    private final double weightDecay;
    private final boolean nesterov;
    private long steps;
    private ParameterSet buffer;

    public Sgd(double lr, double momentum, double dampening, double weightDecay, boolean nesterov) {
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("Nesterov momentum requires a momentum and zero dampening");
        }
        this.lr = lr;
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
    public void step(ParameterSet params, ParameterSet direction) {
        boolean first = buffer == null;
        if (momentum != 0 && first) {
            buffer = params.zerosLike();
        }
        steps++;
        for (Map.Entry<String, INDArray> e : params) {
            String name = e.getKey();
            INDArray p = e.getValue();
            INDArray g = direction.get(name);
            Buf bp = Buf.of(p);
            Buf bg = Buf.of(g);
            Buf bb = null;
            if (momentum != 0) {
                AdamW.requireContiguous(name, p, g, buffer.get(name));
                bb = Buf.of(buffer.get(name));
            } else {
                AdamW.requireContiguous(name, p, g);
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

    @Override
    public double learningRate() {
        return lr;
    }

    @Override
    public void setLearningRate(double lr) {
        this.lr = lr;
    }

    @Override
    public long steps() {
        return steps;
    }

    @Override
    public Map<String, ParameterSet> state() {
        Map<String, ParameterSet> s = new LinkedHashMap<>();
        if (buffer != null) {
            s.put("momentum_buffer", buffer);
        }
        return s;
    }

    @Override
    public void loadState(ParameterSet params, long steps, Map<String, ParameterSet> state) {
        this.steps = steps;
        buffer = momentum != 0 && steps > 0 ? params.zerosLike().assign(state.get("momentum_buffer")) : null;
    }
}
