package dev.lethe.serve.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;

/**
 * The folder job specs may name files in (the registry's {@code data/}): a file field is resolved inside it and a path
 * that leaves it is refused, so a caller with the jobs scope cannot make the server read arbitrary files.
 */
public record DataFolder(Path root) {
    public DataFolder {
        root = root.toAbsolutePath().normalize();
    }

    /** The file the string field {@code field} of {@code spec} names, relative to the data folder. */
    public Path file(JsonNode spec, String field) {
        JsonNode n = spec.path(field);
        if (!n.isTextual() || n.asText().isBlank()) {
            throw new IllegalArgumentException(field + " must be a file name relative to " + root);
        }
        Path p = root.resolve(n.asText()).normalize();
        if (!p.startsWith(root)) {
            throw new IllegalArgumentException(field + " must name a file inside " + root + " (relative to it)");
        }
        return p;
    }
}
