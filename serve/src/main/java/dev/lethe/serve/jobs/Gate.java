package dev.lethe.serve.jobs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The promotion gate of a finished job, bound to the job's own data: it scores the new model version (and the base,
 * when a bound is relative to it) and says whether the version may be served. Unlearning jobs use {@link UnlearnGate}
 * (forget ROUGE-L, retain drop), editing jobs {@link EditGate} (efficacy, neighbourhood).
 */
@FunctionalInterface
public interface Gate {
    /** The scores and bounds checked; the entry "passed" (a Boolean) tells whether the candidate may be promoted. */
    Map<String, Object> check(Path base, Path candidate) throws IOException;
}
