package dev.lethe.scale;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Runs a sweep on Spark: every run that has no stored result becomes one Spark task (one partition per run), which
 * runs the {@link SweepTask} and stores its result atomically in the {@link ResultStore} from the executor; the driver
 * then reads every run's result and writes the sweep's table. A task that fails is retried by Spark (up to
 * {@code spark.task.maxFailures}, or F of {@code local[N,F]}); a rerun of the sweep skips the runs that finished.
 * The {@code out} folder must be readable and writable by every executor (a shared path).
 */
public final class SweepRunner {
    private SweepRunner() {
    }

    /** The result rows in the order of {@link SweepSpec#runs()}. */
    public static List<RunResult> run(SweepSpec spec, SweepTask task, String master, Path out, PrintStream log)
            throws IOException {
        spec.validate();
        SparkMaster.check(master);
        task.check(spec);
        List<RunResult> rows = runAll(spec.runs(), task, master, out, log);
        new ResultStore(out).writeTable(rows);
        return rows;
    }

    /**
     * Runs the given runs (those without a stored result) and returns every run's result in the given order; writes
     * no table. The runs must have been checked ({@link SweepSpec#validate}, {@link SweepTask#check}).
     */
    static List<RunResult> runAll(List<RunSpec> runs, SweepTask task, String master, Path out, PrintStream log)
            throws IOException {
        ResultStore store = new ResultStore(out);
        List<RunSpec> pending = new ArrayList<>();
        for (RunSpec r : runs) {
            if (store.read(r).isEmpty()) {
                pending.add(r);
            }
        }
        log.printf("sweep: %d runs, %d already finished, %d to run on %s%n", runs.size(), runs.size() - pending.size(),
                pending.size(), master);
        if (!pending.isEmpty()) {
            Files.createDirectories(out);
            String work = out.toAbsolutePath().resolve("work").toString();
            try (JavaSparkContext sc = new JavaSparkContext(SparkMaster.conf(master, "lethe-sweep"))) {
                sc.setLogLevel("WARN");
                List<String> done = sc.parallelize(pending, pending.size()).map(r -> {
                    Path dir = Path.of(work, r.id() + "-attempt" + org.apache.spark.TaskContext.get().attemptNumber());
                    Files.createDirectories(dir);
                    store.write(task.run(r, dir));
                    return r.id();
                }).collect();
                log.printf("sweep: %d runs finished%n", done.size());
            }
        }
        List<RunResult> rows = new ArrayList<>();
        for (RunSpec r : runs) {
            rows.add(store.read(r).orElseThrow(() -> new IllegalStateException(r.id() + ": no result after the sweep")));
        }
        return rows;
    }
}
