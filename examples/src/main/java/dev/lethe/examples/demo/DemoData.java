package dev.lethe.examples.demo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The demo's data, shipped inside the jar (TOFU subsets and a 512-token BPE tokenizer, see SOURCE.md beside them) and
 * written out to a folder on first use so every component reads plain files: the forget authors (TOFU forget01),
 * four retain authors, two never-seen holdout authors, "I don't know" answers and the tokenizer.
 */
public record DemoData(Path dir) {
    static final List<String> FILES = List.of("forget.jsonl", "retain.jsonl", "holdout.jsonl", "idontknow.jsonl",
            "tokenizer.json", "SOURCE.md", "LICENSE.tofu.txt");

    /** Copies the shipped files into {@code dir} (overwriting stale copies). */
    public static DemoData materialize(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String f : FILES) {
            try (InputStream in = DemoData.class.getResourceAsStream(f)) {
                if (in == null) {
                    throw new IOException("demo resource " + f + " is missing from the jar; rebuild with mvn install");
                }
                // write then rename, so a concurrent run never reads or trips over a half-written copy
                Path tmp = Files.createTempFile(dir, f, ".tmp");
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        }
        return new DemoData(dir);
    }

    public Path forget() {
        return dir.resolve("forget.jsonl");
    }

    public Path retain() {
        return dir.resolve("retain.jsonl");
    }

    public Path holdout() {
        return dir.resolve("holdout.jsonl");
    }

    public Path idk() {
        return dir.resolve("idontknow.jsonl");
    }

    public Path tokenizer() {
        return dir.resolve("tokenizer.json");
    }
}
