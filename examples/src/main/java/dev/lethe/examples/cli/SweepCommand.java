package dev.lethe.examples.cli;

import dev.lethe.examples.demo.DemoSweep;
import dev.lethe.scale.Leaderboard;
import dev.lethe.scale.RunResult;
import dev.lethe.scale.Selection;
import dev.lethe.scale.SparkMaster;
import dev.lethe.scale.SweepRunner;
import dev.lethe.scale.SweepSpec;
import dev.lethe.scale.TunedSweep;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lethe sweep}: recipes x a grid (or a random sample) of settings x seeds on the demo's TOFU-style models, each
 * run one Apache Spark task (embedded {@code local[*]} by default), results per run under {@code --out}/runs, the
 * table as sweep.json and sweep.csv, and the selection (best forget quality with utility >= a fraction of the target's
 * on one seed, mean ± std over the others) as selection.md, and every run ranked by that rule as leaderboard.html.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Sweep recipes x settings x seeds as Spark tasks and select each recipe's best setting.")
public final class SweepCommand implements Callable<Integer> {
    @Option(names = "--benchmark", defaultValue = "tofu", description = "tofu: the demo's TOFU authors (the only one"
            + " so far).")
    String benchmark;

    @Option(names = "--recipes", split = ",", required = true, description = "Recipes to sweep, a,b.")
    List<String> recipes;

    @Option(names = "--grid", description = "A setting and its values, key=v1,v2 (repeatable).")
    List<String> grid = new ArrayList<>();

    @Option(names = "--random", defaultValue = "0", description = "Run this many settings drawn from the grid"
            + " (0: the full grid).")
    int random;

    @Option(names = "--sampling-seed", defaultValue = "0", description = "Seed of the --random draw.")
    long samplingSeed;

    @Option(names = "--seeds", split = ",", defaultValue = "0", description = "Seeds of every run (default: 0).")
    List<Integer> seeds;

    @Option(names = "--report-seeds", split = ",", description = "Tuned mode: the grid runs on the one seed of --seeds"
            + " only, then each recipe's chosen setting runs on these seeds (e.g. 1,2,3) for the mean ± std.")
    List<Integer> reportSeeds = new ArrayList<>();

    @Option(names = "--set", description = "A setting shared by every run, key=value (repeatable).")
    List<String> sets = new ArrayList<>();

    @Option(names = "--master", defaultValue = "local[*]", description = "Spark master: local[*], local[N],"
            + " spark://host:7077, ... (default: ${DEFAULT-VALUE}).")
    String master;

    @Option(names = "--relearn-steps", defaultValue = "0", description = "Steps of the relearning attack after each"
            + " run (0: no attack).")
    int relearnSteps;

    @Option(names = "--relearn-samples", defaultValue = "10", description = "Forget samples of the relearning attack.")
    int relearnSamples;

    @Option(names = "--relearn-lr", defaultValue = "1e-3", description = "Learning rate of the relearning attack.")
    double relearnLr;

    @Option(names = "--select-seed", description = "Seed the selection is made on (default: the first of --seeds).")
    Integer selectSeed;

    @Option(names = "--utility-fraction", defaultValue = "0.9", description = "Selection keeps settings with utility"
            + " >= this fraction of the target's (default: ${DEFAULT-VALUE}).")
    double utilityFraction;

    @Option(names = "--cache", description = "Demo cache folder (default: <lethe home>/.lethe/demo); executors must"
            + " read it.")
    Path cache;

    @Option(names = "--out", required = true, description = "Output folder (a path every executor can write).")
    Path out;

    /** The sweep the options describe; refuses a malformed --grid. */
    SweepSpec spec() {
        Map<String, List<String>> g = new LinkedHashMap<>();
        for (String a : grid) {
            int eq = a.indexOf('=');
            if (eq <= 0 || eq == a.length() - 1) {
                throw new IllegalArgumentException("--grid expects key=v1,v2, got '" + a + "'");
            }
            g.put(a.substring(0, eq).trim(), List.of(a.substring(eq + 1).trim().split("\\s*,\\s*")));
        }
        return new SweepSpec(recipes, g, random, samplingSeed, seeds);
    }

    private TunedSweep tuned(SweepSpec spec, double targetUtility) {
        if (selectSeed != null && !List.of(selectSeed).equals(spec.seeds())) {
            throw new IllegalArgumentException("with --report-seeds the selection seed is the one of --seeds; drop"
                    + " --select-seed");
        }
        return new TunedSweep(spec, reportSeeds, "forget_quality", "model_utility_retain", targetUtility,
                utilityFraction);
    }

    @Override
    public Integer call() throws Exception {
        if (!benchmark.equals("tofu")) {
            throw new IllegalArgumentException("unknown --benchmark '" + benchmark + "'; sweep supports tofu");
        }
        SweepSpec spec = spec();
        spec.validate();
        if (!reportSeeds.isEmpty()) {
            tuned(spec, 1).validate();
        }
        SparkMaster.check(master);
        PrintStream log = System.out;
        Path home = Path.of(System.getProperty("lethe.home", "."));
        Path cacheDir = cache != null ? cache : home.resolve(".lethe").resolve("demo");
        DemoSweep.Prepared p = DemoSweep.prepare(cacheDir, home.resolve("demo").resolve("models"), sets,
                relearnSamples, relearnSteps, relearnLr, log);
        int seed = selectSeed != null ? selectSeed : seeds.get(0);
        List<Selection.Choice> choices;
        if (reportSeeds.isEmpty()) {
            List<RunResult> rows = SweepRunner.run(spec, p.task(), master, out, log);
            choices = Selection.select(rows, "forget_quality", "model_utility_retain", p.targetUtility(),
                    utilityFraction, seed);
            Leaderboard.write(out, rows, "forget_quality", "model_utility_retain", p.targetUtility(), utilityFraction,
                    seed);
        } else {
            choices = tuned(spec, p.targetUtility()).run(p.task(), master, out, log).choices();
        }
        String md = DemoSweep.markdown(choices, p.targetUtility(), utilityFraction, seed);
        Files.writeString(out.resolve("selection.md"), md, StandardCharsets.UTF_8);
        log.println(md);
        log.println("rows: " + out.resolve("sweep.csv").toAbsolutePath());
        log.println("leaderboard: " + out.resolve(Leaderboard.FILE).toAbsolutePath());
        return 0;
    }
}
