package dev.lethe.optim.rule;

import dev.lethe.engine.ParameterSet;
import java.util.function.UnaryOperator;

/**
 * Conjugate gradient for A x = b with A symmetric positive definite and given only as a product x ↦ A x (Hestenes and
 * Stiefel 1952; Nocedal and Wright, Algorithm 5.2), over parameter sets so that A can be a Hessian-vector product. It
 * starts from x = 0 and stops after {@code maxIter} products, when ‖r‖ ≤ tol·‖b‖, or when a direction has p·Ap ≤ 0
 * (A not positive definite along it; x is then the last iterate).
 */
public final class ConjugateGradient {
    /** The solution, the number of products A p taken, and the final relative residual ‖b − A x‖ / ‖b‖. */
    public record Result(ParameterSet x, int iterations, double relativeResidual) {
    }

    private ConjugateGradient() {
    }

    public static Result solve(UnaryOperator<ParameterSet> a, ParameterSet b, int maxIter, double tol) {
        double bn = b.norm();
        ParameterSet x = b.zerosLike();
        if (bn == 0) {
            return new Result(x, 0, 0.0);
        }
        ParameterSet r = b.copy();
        ParameterSet p = b.copy();
        double rs = r.dot(r);
        int k = 0;
        while (k < maxIter && Math.sqrt(rs) > tol * bn) {
            ParameterSet ap = a.apply(p);
            k++;
            double pap = p.dot(ap);
            if (!(pap > 0)) {
                break;
            }
            double step = rs / pap; // α = rᵀr / pᵀAp
            x.axpy(step, p);
            r.axpy(-step, ap);
            double rsNew = r.dot(r);
            p.scale(rsNew / rs).axpy(1.0, r); // p ← r + (r'ᵀr' / rᵀr) p
            rs = rsNew;
        }
        return new Result(x, k, Math.sqrt(rs) / bn);
    }
}
