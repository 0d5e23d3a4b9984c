package dev.lethe.scale;

import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * One run of a sweep: a recipe, the settings the sweep varies (key to value, kept sorted so equal runs have equal
 * ids), and the seed. The id names the run's result file, so a rerun of the sweep finds the runs that finished.
 */
public record RunSpec(String recipe, Map<String, String> settings, int seed) implements Serializable {
    public RunSpec {
        settings = java.util.Collections.unmodifiableMap(new TreeMap<>(settings));
    }

    /** A file-name-safe id, e.g. {@code pdu_epochs=5_lr=1e-5_seed0}. */
    public String id() {
        String s = settings.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("_"));
        String raw = recipe + (s.isEmpty() ? "" : "_" + s) + "_seed" + seed;
        return raw.replaceAll("[^A-Za-z0-9=._+-]", "-");
    }

    /** The settings without the seed, as one string: runs that differ only in seed share it. */
    public String settingsKey() {
        return recipe + settings;
    }
}
