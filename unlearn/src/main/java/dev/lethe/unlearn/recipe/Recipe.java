package dev.lethe.unlearn.recipe;

import dev.lethe.transformer.config.ModelConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A named unlearning method: its paper, a one-line summary, its default hyper-parameters (the paper's or the official
 * code's, see algorithms.md) and how settings turn into a {@link Plan} (objectives + update rule + trainable set).
 */
public record Recipe(String name, String paper, String summary, Map<String, String> defaults, Planner planner) {
    /** Builds the plan from resolved settings and the model's config. */
    @FunctionalInterface
    public interface Planner {
        Plan plan(Settings settings, ModelConfig config);
    }

    public Recipe {
        defaults = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(defaults));
    }

    /** Every setting with its default: the training defaults shared by all recipes, then the recipe's own. */
    public Settings settings() {
        Map<String, String> all = new LinkedHashMap<>(Recipes.COMMON);
        all.putAll(defaults);
        return new Settings(all);
    }

    public Plan plan(Settings settings, ModelConfig config) {
        return planner.plan(settings, config);
    }
}
