package dev.lethe.scale;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Tuning as the unlearning papers report it, in two sweeps: the grid runs on the selection seed only; then each
 * recipe's chosen setting ({@link Selection}) runs on the reporting seeds, so the reported mean ± std never shares a
 * seed with the choice and the grid is not paid for on every seed. Both sweeps write into the same {@code out} folder;
 * a rerun skips every finished run of either. Writes sweep.json, sweep.csv and {@link Leaderboard}'s page.
 *
 * @param grid          recipes x settings; its seeds must be exactly the one selection seed
 * @param reportSeeds   the seeds the chosen settings are reported on (none equal to the selection seed)
 * @param targetUtility the target model's utility; the bar is {@code fraction} of it
 */
public record TunedSweep(SweepSpec grid, List<Integer> reportSeeds, String qualityMetric, String utilityMetric,
                         double targetUtility, double fraction) {
    public TunedSweep {
        reportSeeds = List.copyOf(reportSeeds);
    }

    /** The rows of both sweeps (grid first) and the choices. */
    public record Outcome(List<RunResult> rows, List<Selection.Choice> choices) {
    }

    /** Refuses a grid on several seeds, no reporting seed, or the selection seed among the reporting ones. */
    public void validate() {
        grid.validate();
        if (grid.seeds().size() != 1) {
            throw new IllegalArgumentException("a tuned sweep selects on one seed; give --seeds with one seed (got "
                    + grid.seeds() + ") and the reporting seeds with --report-seeds");
        }
        if (reportSeeds.isEmpty() || reportSeeds.contains(grid.seeds().get(0))) {
            throw new IllegalArgumentException("--report-seeds must list seeds other than the selection seed "
                    + grid.seeds().get(0) + ", got " + reportSeeds);
        }
        if (reportSeeds.stream().distinct().count() != reportSeeds.size()) {
            throw new IllegalArgumentException("--report-seeds lists a seed twice: " + reportSeeds);
        }
    }

    public Outcome run(SweepTask task, String master, Path out, PrintStream log) throws IOException {
        validate();
        SparkMaster.check(master);
        task.check(grid);
        List<RunResult> rows = new ArrayList<>(SweepRunner.runAll(grid.runs(), task, master, out, log));
        int seed = grid.seeds().get(0);
        List<Selection.Choice> chosen = Selection.select(rows, qualityMetric, utilityMetric, targetUtility, fraction,
                seed);
        List<RunSpec> report = new ArrayList<>();
        for (Selection.Choice c : chosen) {
            if (c.settings() != null) {
                reportSeeds.forEach(s -> report.add(new RunSpec(c.recipe(), c.settings(), s)));
            }
        }
        log.printf("sweep: %d of %d recipes keep the utility bar on seed %d; reporting them on seeds %s%n",
                report.size() / reportSeeds.size(), chosen.size(), seed, reportSeeds);
        rows.addAll(SweepRunner.runAll(report, task, master, out, log));
        new ResultStore(out).writeTable(rows);
        Leaderboard.write(out, rows, qualityMetric, utilityMetric, targetUtility, fraction, seed);
        return new Outcome(rows, Selection.select(rows, qualityMetric, utilityMetric, targetUtility, fraction, seed));
    }
}
