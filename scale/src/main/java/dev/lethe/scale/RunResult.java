package dev.lethe.scale;

import java.io.Serializable;
import java.util.Map;

/**
 * What one run gives back: its metrics (name to value, e.g. forget_quality, model_utility_retain), the wall time of
 * the run in seconds, and the SHA-256 of the unlearned model (so two results can be compared without the models).
 */
public record RunResult(RunSpec run, Map<String, Double> metrics, double wallSeconds, String modelSha256)
        implements Serializable {
    public RunResult {
        metrics = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metrics));
    }
}
