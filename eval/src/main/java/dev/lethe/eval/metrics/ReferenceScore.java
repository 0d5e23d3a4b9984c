package dev.lethe.eval.metrics;

/**
 * Reference-model membership score (Carlini et al. 2021, arXiv 2012.07805 section 6.1, "comparing to other neural
 * language models"; open-unlearning {@code mia/reference.py}): the target model's mean NLL of a text minus a
 * reference model's (one that never saw the candidate members), {@code loss_target(x) - loss_ref(x)}. Texts that are
 * merely easy have a low loss under both models; members are easier under the target only. Higher means "less likely
 * a member".
 */
public final class ReferenceScore {

    private ReferenceScore() {
    }

    public static double score(double targetLoss, double referenceLoss) {
        if (!Double.isFinite(targetLoss) || !Double.isFinite(referenceLoss)) {
            throw new IllegalArgumentException("reference score: losses must be finite, got " + targetLoss + " and "
                    + referenceLoss);
        }
        return targetLoss - referenceLoss;
    }
}
