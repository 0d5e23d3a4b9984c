package dev.lethe.unlearn.objective;

import dev.lethe.engine.Tensor;
import dev.lethe.engine.ops.Elementwise;
import java.util.ArrayList;
import java.util.List;

/**
 * A weighted sum of objectives, e.g. GradDiff = gamma * GA(forget) + alpha * NLL(retain). Used where one scalar is
 * wanted (parity checks, plain training); update rules that treat forget and retain separately take the parts.
 */
public final class ObjectiveSum implements Objective {
    /** One weighted part. */
    public record Part(double weight, Objective objective) {
    }

    private final List<Part> parts;

    public ObjectiveSum(List<Part> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("an objective sum needs at least one part");
        }
        this.parts = List.copyOf(parts);
    }

    public static ObjectiveSum of(double w1, Objective o1, double w2, Objective o2) {
        return new ObjectiveSum(List.of(new Part(w1, o1), new Part(w2, o2)));
    }

    public List<Part> parts() {
        return parts;
    }

    @Override
    public String name() {
        List<String> n = new ArrayList<>();
        for (Part p : parts) {
            n.add(p.weight() + "*" + p.objective().name());
        }
        return String.join(" + ", n);
    }

    @Override
    public boolean needsReference() {
        return parts.stream().anyMatch(p -> p.objective().needsReference());
    }

    @Override
    public Tensor loss(LossContext ctx) {
        Tensor total = null;
        for (Part p : parts) {
            if (p.weight() == 0) {
                continue;
            }
            Tensor l = Elementwise.mulScalar(ctx.tape(), p.objective().loss(ctx), p.weight());
            total = total == null ? l : Elementwise.add(ctx.tape(), total, l);
        }
        if (total == null) {
            throw new IllegalArgumentException("every part of " + name() + " has weight 0");
        }
        return total;
    }
}
