package dev.lethe.unlearn.recipe;

import dev.lethe.optim.influence.LmCleaner;
import dev.lethe.optim.rule.UpdateRule;
import dev.lethe.unlearn.objective.Objective;
import java.util.Map;

/**
 * What a recipe resolves to for one run: the named objectives the update rule combines (usually "forget" and
 * "retain"), the rule itself, which parameters train (a regex over Hugging Face names), which data the objectives
 * need besides forget and retain ("I don't know" answers for IdkDPO/IdkNLL, alternate answers for AltPO), an
 * optional stage run after training (UNDO's noise-and-distill), or, instead of training, an influence removal from a
 * fine-tuning run's step records (LMCleaner).
 */
public record Plan(Map<String, Objective> objectives, UpdateRule rule, String trainable, boolean needsIdk,
                   boolean needsAlternates, NoiseAndDistill then, InfluenceRemoval removal) {
    /** LMCleaner: no training; the fine-tuning batches that held forget records are removed using the step records. */
    public record InfluenceRemoval(java.nio.file.Path stepRecords, LmCleaner.Settings settings) {
    }

    /** UNDO's stages 2-3 (arXiv 2506.06278): noise the weights with (alpha, beta), then distill for {@code steps}. */
    public record NoiseAndDistill(double alpha, double beta, int steps, double lr) {
        public NoiseAndDistill {
            if (!(alpha >= 0 && alpha <= 1)) {
                throw new IllegalArgumentException("setting 'noise_alpha' must be in [0, 1], got " + alpha);
            }
            if (!(beta >= 0)) {
                throw new IllegalArgumentException("setting 'noise_beta' must be >= 0, got " + beta);
            }
            if (steps < 1) {
                throw new IllegalArgumentException("setting 'distill_steps' must be >= 1, got " + steps);
            }
        }
    }

    public Plan {
        objectives = Map.copyOf(objectives);
    }

    public Plan(Map<String, Objective> objectives, UpdateRule rule, String trainable, boolean needsIdk,
            boolean needsAlternates, NoiseAndDistill then) {
        this(objectives, rule, trainable, needsIdk, needsAlternates, then, null);
    }

    public Plan(Map<String, Objective> objectives, UpdateRule rule, String trainable, boolean needsIdk) {
        this(objectives, rule, trainable, needsIdk, false, null, null);
    }

    public boolean needsReference() {
        return objectives.values().stream().anyMatch(Objective::needsReference);
    }
}
