package dev.lethe.scale;

import dev.lethe.unlearn.recipe.Recipes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A sweep: recipes x settings x seeds. The settings are the full grid (every combination of the grid's values) or,
 * with {@code random > 0}, that many combinations drawn without replacement from the grid with {@code samplingSeed}.
 * Every recipe runs the same settings with every seed.
 */
public record SweepSpec(List<String> recipes, Map<String, List<String>> grid, int random, long samplingSeed,
                        List<Integer> seeds) {
    public SweepSpec {
        recipes = List.copyOf(recipes);
        grid = Collections.unmodifiableMap(new LinkedHashMap<>(grid));
        seeds = List.copyOf(seeds);
    }

    /**
     * Refuses bad input before anything runs: no recipe or seed, an unknown recipe, a grid key a recipe does not have,
     * a grid key {@code seed} (seeds come from the seed list), an empty value list, a negative {@code random}.
     */
    public void validate() {
        if (recipes.isEmpty()) {
            throw new IllegalArgumentException("a sweep needs at least one recipe (--recipes a,b)");
        }
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("a sweep needs at least one seed (--seeds 0,1,2)");
        }
        if (random < 0) {
            throw new IllegalArgumentException("--random must be >= 0, got " + random);
        }
        for (Map.Entry<String, List<String>> e : grid.entrySet()) {
            if (e.getKey().equals("seed")) {
                throw new IllegalArgumentException("--grid seed=... is not a setting to sweep; use --seeds 0,1,2");
            }
            if (e.getValue().isEmpty()) {
                throw new IllegalArgumentException("--grid " + e.getKey() + "= has no values; give key=v1,v2");
            }
        }
        if (runs().stream().map(RunSpec::id).distinct().count() != runs().size()) {
            throw new IllegalArgumentException("two runs of this sweep get the same id (values that differ only in"
                    + " characters other than letters, digits and =._+-); rename the --grid values");
        }
        for (String name : recipes) {
            var defaults = Recipes.get(name).settings();
            for (Map.Entry<String, List<String>> e : grid.entrySet()) {
                try {
                    defaults.with(Map.of(e.getKey(), e.getValue().get(0)));
                } catch (IllegalArgumentException bad) {
                    throw new IllegalArgumentException("--grid " + e.getKey() + ": recipe '" + name + "': "
                            + bad.getMessage(), bad);
                }
            }
        }
    }

    /** Every combination of the grid's values, in grid order (the last key varies fastest). */
    public List<Map<String, String>> fullGrid() {
        List<Map<String, String>> out = new ArrayList<>();
        out.add(new LinkedHashMap<>());
        for (Map.Entry<String, List<String>> e : grid.entrySet()) {
            List<Map<String, String>> next = new ArrayList<>();
            for (Map<String, String> partial : out) {
                for (String v : e.getValue()) {
                    Map<String, String> m = new LinkedHashMap<>(partial);
                    m.put(e.getKey(), v);
                    next.add(m);
                }
            }
            out = next;
        }
        return out;
    }

    /** The settings this sweep runs: the full grid, or {@code random} of its combinations. */
    public List<Map<String, String>> settings() {
        List<Map<String, String>> all = fullGrid();
        if (random == 0 || random >= all.size()) {
            return all;
        }
        List<Map<String, String>> shuffled = new ArrayList<>(all);
        Collections.shuffle(shuffled, new Random(samplingSeed));
        return List.copyOf(shuffled.subList(0, random));
    }

    /** Every run, recipe-major, then settings, then seed. */
    public List<RunSpec> runs() {
        List<RunSpec> out = new ArrayList<>();
        List<Map<String, String>> settings = settings();
        for (String r : recipes) {
            for (Map<String, String> s : settings) {
                for (int seed : seeds) {
                    out.add(new RunSpec(r, s, seed));
                }
            }
        }
        return out;
    }
}
