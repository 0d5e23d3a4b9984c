package dev.lethe.engine.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The one way tests reach the project's read-only {@code ../shared} folder (fixtures, tokenizers, data).
 *
 * <p>The folder is found by walking up from the working directory to the first ancestor that has a
 * {@code shared/docs/design.md} beside it, or taken from the {@code LETHE_SHARED} environment variable. When it is
 * missing, the test fails with a message saying what is missing and how to provide it; it is never skipped silently.
 */
public final class SharedFiles {
    private SharedFiles() {
    }

    /** The shared folder's root. Fails with a clear message when it cannot be found. */
    public static Path root() {
        String env = System.getenv("LETHE_SHARED");
        if (env != null && !env.isBlank()) {
            Path p = Paths.get(env).toAbsolutePath().normalize();
            if (Files.isDirectory(p)) {
                return p;
            }
            throw new IllegalStateException("LETHE_SHARED=" + env + " is not a directory; point it at the shared/ folder"
                    + " (the one holding docs/, fixtures/, data/).");
        }
        for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared");
            if (Files.isRegularFile(candidate.resolve("docs/design.md"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("This test needs the project's shared/ folder (fixtures, tokenizers, data), expected"
                + " beside the repository as ../shared, but none was found walking up from "
                + Paths.get("").toAbsolutePath() + ". Place the shared/ folder beside the repository or set LETHE_SHARED"
                + " to its path.");
    }

    /** A file or folder inside shared/, which must exist; fails with a clear message otherwise. */
    public static Path path(String relative) {
        Path p = root().resolve(relative);
        if (!Files.exists(p)) {
            throw new IllegalStateException("Expected shared/" + relative + " at " + p + " but it does not exist;"
                    + " the shared/ folder found is incomplete or from another version.");
        }
        return p;
    }
}
