package dev.lethe.unlearn.recipe;

import dev.lethe.transformer.config.ModelConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A named unlearning method: its paper, a one-line summary, the equation it implements and the class and method that
 * implement it ({@link Method}, from which docs/methods.md is generated), its default hyper-parameters (the paper's or
 * the official code's, see algorithms.md) and how settings turn into a {@link Plan} (objectives + update rule +
 * trainable set).
 */
public record Recipe(String name, String paper, String summary, Method method, Map<String, String> defaults,
                     Planner planner) {
    /**
     * Where a reader goes from the paper to the code: the equation in one line of plain math and the one class and
     * method (declared in that class) that implement it.
     */
    public record Method(String equation, Class<?> implementation, String member) {
        public Method {
            if (equation == null || equation.isBlank() || implementation == null || member == null || member.isBlank()) {
                throw new IllegalArgumentException("a recipe's method needs an equation, a class and a method name");
            }
        }
    }

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
