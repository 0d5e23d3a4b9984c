package dev.lethe.eval.metrics;

import java.util.Collection;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Gradient-norm membership score (arXiv 2402.17012, section 3; open-unlearning {@code mia/gradnorm.py}): the gradient
 * of one text's mean answer NLL with respect to every parameter tensor, reduced per tensor to its p-norm
 * {@code ||grad_W l(x)||_p} (p = 1, 2 or infinity), averaged over the tensors. Members sit near a minimum of the
 * training loss, so their gradients are small: higher means "less likely a member", as for {@link LossScore}.
 */
public final class GradNormScore {

    private GradNormScore() {
    }

    /** Mean over tensors of {@code ||g||_p}; {@code p} is 1, 2 or {@link Double#POSITIVE_INFINITY}; sums in double. */
    public static double score(Collection<INDArray> gradients, double p) {
        if (p != 1 && p != 2 && p != Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("gradient-norm score: p must be 1, 2 or infinity, got " + p);
        }
        if (gradients.isEmpty()) {
            throw new IllegalArgumentException("gradient-norm score: no parameter gradients");
        }
        double sum = 0;
        for (INDArray g : gradients) {
            sum += norm(g, p);
        }
        return sum / gradients.size();
    }

    private static double norm(INDArray g, double p) {
        double acc = 0;
        long n = g.length();
        for (long i = 0; i < n; i++) {
            double a = Math.abs(g.getDouble(i));
            if (p == 1) {
                acc += a;
            } else if (p == 2) {
                acc += a * a;
            } else {
                acc = Math.max(acc, a);
            }
        }
        return p == 2 ? Math.sqrt(acc) : acc;
    }
}
