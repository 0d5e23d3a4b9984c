package dev.lethe.serve.jobs;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The job kinds a server runs, by name. */
public final class JobKinds {
    private final Map<String, JobKind> kinds = new LinkedHashMap<>();

    public JobKinds(List<JobKind> list) {
        for (JobKind k : list) {
            kinds.put(k.name(), k);
        }
    }

    /**
     * The kinds Lethe ships (unlearning, knowledge editing), reading data files from {@code data}; editing caches its
     * second moments in {@code edit-stats} beside it.
     */
    public static JobKinds standard(Path data) {
        return new JobKinds(List.of(new UnlearnJobKind(data), new EditJobKind(data,
                data.resolveSibling("edit-stats"))));
    }

    /** The kind named {@code name}; an unknown name lists the known ones. */
    public JobKind get(String name) {
        JobKind k = kinds.get(name);
        if (k == null) {
            throw new IllegalArgumentException("kind must be one of " + kinds.keySet() + ", got '" + name + "'");
        }
        return k;
    }
}
