package dev.lethe.unlearn.objective;

import dev.lethe.engine.Tensor;
import dev.lethe.engine.ops.SoftTargets;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * KL(p_ref || p_theta) on a batch (retain by default), as TOFU/open-unlearning compute it (algorithms.md 5.3):
 * kl_div(log p_theta, log p_ref, log_target=True, reduction='batchmean') over the flattened [B*T, V] logits, i.e. the
 * sum over every position (prompt and padding included) divided by B*T.
 */
public record KlToReference(String batchName) implements Objective {
    public KlToReference() {
        this("retain");
    }

    @Override
    public String name() {
        return "kl(" + batchName + ")";
    }

    @Override
    public boolean needsReference() {
        return true;
    }

    @Override
    public Tensor loss(LossContext ctx) {
        ModelScores s = ctx.scores(batchName);
        INDArray refLogits = ctx.referenceScores(batchName).logits().value();
        double[] everyPosition = new double[s.batch() * s.length()];
        Arrays.fill(everyPosition, 1.0 / everyPosition.length);
        // sum_{b,t} KL(softmax(z_ref) || softmax(z_theta)) / (B T): kl_div(..., log_target=True, reduction='batchmean')
        return SoftTargets.klDivergence(ctx.tape(), SoftTargets.Target.softmaxOf(refLogits), s.logits(), everyPosition);
    }
}
