package dev.lethe.unlearn.objective;

import dev.lethe.engine.Tensor;
import dev.lethe.engine.ops.SoftTargets;

/**
 * CE-U (arXiv 2503.01224, eq. 3; algorithms.md 5.10): the target is the model's own detached distribution with the
 * true token removed, q_t = softmax(stopgrad(z_t) with z_{t,y_t} = -inf), and L = mean_t H(q_t, softmax(z_t)) over
 * scored positions, skipping the first {@code ignoreFirst} answer tokens of each sequence (default 1).
 */
public record CrossEntropyUnlearning(int ignoreFirst, String batchName) implements Objective {
    public CrossEntropyUnlearning() {
        this(1, "forget");
    }

    @Override
    public String name() {
        return "ceu";
    }

    @Override
    public Tensor loss(LossContext ctx) {
        ModelScores s = ctx.scores(batchName);
        int predictions = s.length() - 1;
        boolean[] averaged = new boolean[s.targets().length];
        for (int b = 0; b < s.batch(); b++) {
            int seen = 0;
            for (int j = 0; j < predictions; j++) {
                int p = b * predictions + j;
                averaged[p] = s.scored()[p] != 0 && seen++ >= ignoreFirst;
            }
        }
        // q_t = softmax(stopgrad(z_t) with z_{t,y_t} = -inf); L = mean_t H(q_t, softmax(z_t))   (arXiv 2503.01224, eq. 3)
        SoftTargets.Target q = SoftTargets.Target.without(s.logits().value(), s.targetsByRow());
        return SoftTargets.crossEntropy(ctx.tape(), q, s.logits(), s.meanOverRows(averaged));
    }
}
