package dev.lethe.scale;

import java.io.Serializable;
import java.nio.file.Path;

/**
 * The work of one run: unlearn with the run's recipe, settings and seed, evaluate, optionally attack. Runs inside a
 * Spark task, so an implementation is serializable and reads its models and data from paths every executor can
 * read. {@link #check} runs on the driver before any run starts and refuses what executors could not do.
 */
public interface SweepTask extends Serializable {
    /** Throws IllegalArgumentException (one line, naming the path or setting and the fix) for input no run can use. */
    void check(SweepSpec spec);

    /** Runs {@code run}; {@code workDir} is an empty folder for this attempt's files. */
    RunResult run(RunSpec run, Path workDir) throws Exception;
}
