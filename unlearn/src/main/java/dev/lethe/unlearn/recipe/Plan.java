package dev.lethe.unlearn.recipe;

import dev.lethe.optim.rule.UpdateRule;
import dev.lethe.unlearn.objective.Objective;
import java.util.Map;

/**
 * What a recipe resolves to for one run: the named objectives the update rule combines (usually "forget" and
 * "retain"), the rule itself, which parameters train (a regex over Hugging Face names), and which data the objectives
 * need besides forget and retain ("I don't know" answers for IdkDPO/IdkNLL).
 */
public record Plan(Map<String, Objective> objectives, UpdateRule rule, String trainable, boolean needsIdk) {
    public Plan {
        objectives = Map.copyOf(objectives);
    }

    public boolean needsReference() {
        return objectives.values().stream().anyMatch(Objective::needsReference);
    }
}
