package dev.lethe.scale;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Model selection as the unlearning papers do it (TOFU, arXiv 2401.06121; open-unlearning, arXiv 2506.12618): per
 * recipe, among the settings run with the selection seed, the one with the highest forget quality whose utility is
 * at least {@code fraction} of the target model's; that setting is then reported on the other seeds as mean and
 * sample standard deviation (n - 1) of every metric, so the choice and the reported numbers never share a seed.
 */
public final class Selection {
    /** A metric over the reporting seeds. */
    public record Stat(double mean, double std, int n) {
    }

    /**
     * The choice for one recipe. {@code settings} is null when no setting kept the utility bar on the selection seed;
     * {@code reported} is empty when the chosen setting ran on no other seed.
     */
    public record Choice(String recipe, Map<String, String> settings, double selectionQuality,
                         double selectionUtility, Map<String, Stat> reported) {
    }

    private Selection() {
    }

    public static List<Choice> select(List<RunResult> rows, String qualityMetric, String utilityMetric,
            double targetUtility, double fraction, int selectionSeed) {
        Set<String> recipes = new LinkedHashSet<>();
        rows.forEach(r -> recipes.add(r.run().recipe()));
        double bar = fraction * targetUtility;
        List<Choice> out = new ArrayList<>();
        for (String recipe : recipes) {
            RunResult best = null;
            for (RunResult r : rows) {
                if (!r.run().recipe().equals(recipe) || r.run().seed() != selectionSeed) {
                    continue;
                }
                double u = metric(r, utilityMetric);
                double q = metric(r, qualityMetric);
                if (u >= bar && (best == null || q > metric(best, qualityMetric))) {
                    best = r;
                }
            }
            if (best == null) {
                out.add(new Choice(recipe, null, Double.NaN, Double.NaN, Map.of()));
                continue;
            }
            List<RunResult> others = new ArrayList<>();
            for (RunResult r : rows) {
                if (r.run().settingsKey().equals(best.run().settingsKey()) && r.run().seed() != selectionSeed) {
                    others.add(r);
                }
            }
            out.add(new Choice(recipe, best.run().settings(), metric(best, qualityMetric),
                    metric(best, utilityMetric), stats(others)));
        }
        return out;
    }

    private static Map<String, Stat> stats(List<RunResult> runs) {
        Map<String, Stat> out = new LinkedHashMap<>();
        if (runs.isEmpty()) {
            return out;
        }
        for (String metric : runs.get(0).metrics().keySet()) {
            int n = runs.size();
            double mean = 0;
            for (RunResult r : runs) {
                mean += metric(r, metric);
            }
            mean /= n;
            double ss = 0;
            for (RunResult r : runs) {
                double d = metric(r, metric) - mean;
                ss += d * d;
            }
            out.put(metric, new Stat(mean, n < 2 ? 0 : Math.sqrt(ss / (n - 1)), n));
        }
        return out;
    }

    /** A run's metric, or a clear error naming the run, the metric and the metrics it has. */
    static double metric(RunResult r, String name) {
        Double v = r.metrics().get(name);
        if (v == null) {
            throw new IllegalArgumentException("run " + r.run().id() + " has no metric '" + name + "' (it has "
                    + r.metrics().keySet() + "): select on metrics every run reports, or rerun that run");
        }
        return v;
    }
}
