package dev.lethe.scale;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The results of a sweep on disk: one JSON file per finished run under {@code runs/}, written atomically (a temporary
 * file in the same folder, then an atomic rename), so a killed task leaves either a whole result or none; and the
 * sweep's table as {@code sweep.json} and {@code sweep.csv}.
 */
public final class ResultStore implements java.io.Serializable {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final String dir;

    public ResultStore(Path dir) {
        this.dir = dir.toAbsolutePath().toString();
    }

    public Path dir() {
        return Path.of(dir);
    }

    private Path file(RunSpec run) {
        return Path.of(dir, "runs", run.id() + ".json");
    }

    /** The stored result of {@code run}, if it finished. */
    public Optional<RunResult> read(RunSpec run) {
        Path f = file(run);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(f.toFile(), RunResult.class));
        } catch (IOException e) {
            throw new UncheckedIOException(f + ": unreadable run result; delete it to rerun that run", e);
        }
    }

    /** Stores a result atomically. */
    public void write(RunResult result) {
        Path f = file(result.run());
        try {
            Files.createDirectories(f.getParent());
            Path tmp = Files.createTempFile(f.getParent(), ".tmp-" + result.run().id(), ".json");
            JSON.writeValue(tmp.toFile(), result);
            Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(f + ": cannot store the run result", e);
        }
    }

    /** Writes sweep.json (the rows) and sweep.csv (one line per run: id, recipe, seed, settings, metrics, time, sha). */
    public void writeTable(List<RunResult> rows) throws IOException {
        Files.createDirectories(dir());
        JSON.writeValue(dir().resolve("sweep.json").toFile(), rows);
        Set<String> settings = new LinkedHashSet<>();
        Set<String> metrics = new LinkedHashSet<>();
        for (RunResult r : rows) {
            settings.addAll(r.run().settings().keySet());
            metrics.addAll(r.metrics().keySet());
        }
        List<String> lines = new ArrayList<>();
        List<String> head = new ArrayList<>(List.of("id", "recipe", "seed"));
        head.addAll(settings);
        head.addAll(metrics);
        head.addAll(List.of("wall_seconds", "model_sha256"));
        lines.add(String.join(",", head));
        for (RunResult r : rows) {
            List<String> cells = new ArrayList<>(List.of(r.run().id(), r.run().recipe(),
                    Integer.toString(r.run().seed())));
            for (String s : settings) {
                cells.add(r.run().settings().getOrDefault(s, ""));
            }
            for (String m : metrics) {
                Double v = r.metrics().get(m);
                cells.add(v == null ? "" : Double.toString(v));
            }
            cells.add(Double.toString(r.wallSeconds()));
            cells.add(r.modelSha256() == null ? "" : r.modelSha256());
            lines.add(String.join(",", cells));
        }
        Files.write(dir().resolve("sweep.csv"), lines, StandardCharsets.UTF_8);
    }
}
