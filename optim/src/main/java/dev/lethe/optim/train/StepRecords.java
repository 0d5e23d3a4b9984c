package dev.lethe.optim.train;

import dev.lethe.engine.ParameterSet;
import dev.lethe.engine.io.CheckpointReader;
import dev.lethe.engine.io.SafetensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A bounded ring buffer of {@link StepRecord}s on disk: one safetensors file per step ({@code step-000000042.safetensors}
 * holding {@code update.<param>} and the step's lr, data position and record ids as metadata), each written to a
 * temporary file and renamed into place; once a new record is in place, records older than the last
 * {@code capacity} steps are deleted. A run resumed from a checkpoint at step s drops the records of steps ≥ s
 * ({@link #dropFrom}), so the buffer always matches the parameters of the checkpoint it continues.
 */
public final class StepRecords {
    /** The metadata tag of record files. */
    public static final String FORMAT = "lethe-step-record/1";
    private static final String PREFIX = "step-";
    private static final String SUFFIX = ".safetensors";

    private final Path dir;
    private final int capacity;

    private StepRecords(Path dir, int capacity) {
        this.dir = dir;
        this.capacity = capacity;
    }

    /** A buffer in {@code dir} (created) keeping the last {@code capacity} ≥ 1 steps. */
    public static StepRecords create(Path dir, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a step-record buffer needs a capacity >= 1 (record_steps), got "
                    + capacity);
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the step-record folder " + dir, e);
        }
        return new StepRecords(dir, capacity);
    }

    /** The records already in {@code dir}, read only; a missing or empty folder is an error naming the fix. */
    public static StepRecords open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + ": no step records (folder missing); fine-tune with --set"
                    + " record_steps=K to write them");
        }
        StepRecords r = new StepRecords(dir, Integer.MAX_VALUE);
        if (r.steps().isEmpty()) {
            throw new IllegalArgumentException(dir + ": no step records (no " + PREFIX + "*" + SUFFIX + " files);"
                    + " fine-tune with --set record_steps=K to write them");
        }
        return r;
    }

    public Path dir() {
        return dir;
    }

    private Path file(long step) {
        return dir.resolve(String.format("%s%09d%s", PREFIX, step, SUFFIX));
    }

    /** Writes {@code r} atomically, then evicts the records older than the last {@code capacity} steps. */
    public void add(StepRecord r) {
        Map<String, INDArray> t = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : r.update()) {
            t.put("update." + e.getKey(), e.getValue());
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("step", Long.toString(r.step()));
        meta.put("epoch", Long.toString(r.epoch()));
        meta.put("first_index", Long.toString(r.firstIndex()));
        meta.put("micro_batches", Integer.toString(r.microBatches()));
        meta.put("lr", Double.toString(r.lr()));
        meta.put("ids", Arrays.stream(r.ids()).mapToObj(Long::toString).collect(Collectors.joining(",")));
        try {
            SafetensorsWriter.write(file(r.step()), t, meta);
            for (long s : steps()) {
                if (s <= r.step() - capacity) {
                    Files.deleteIfExists(file(s));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write step record " + file(r.step()), e);
        }
    }

    /** Deletes the records of steps ≥ {@code step} (written after the checkpoint a run resumes from). */
    public void dropFrom(long step) {
        try {
            for (long s : steps()) {
                if (s >= step) {
                    Files.deleteIfExists(file(s));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot drop step records in " + dir, e);
        }
    }

    /** The recorded steps, ascending. */
    public List<Long> steps() {
        List<Long> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(PREFIX) && n.endsWith(SUFFIX))
                    .forEach(n -> out.add(Long.parseLong(n.substring(PREFIX.length(), n.length() - SUFFIX.length()))));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list step records in " + dir, e);
        }
        out.sort(null);
        return out;
    }

    /** The file holding step {@code step}'s record (for checksums in audit records). */
    public Path path(long step) {
        return file(step);
    }

    /** Reads the record of {@code step}; a step not in the buffer is an error naming the steps it holds. */
    public StepRecord read(long step) {
        return read(step, true);
    }

    /** The record of {@code step} without its update (an empty set): the metadata only, cheap to read. */
    public StepRecord header(long step) {
        return read(step, false);
    }

    private StepRecord read(long step, boolean withUpdate) {
        Path f = file(step);
        if (!Files.isRegularFile(f)) {
            List<Long> have = steps();
            throw new IllegalArgumentException(dir + ": no record of step " + step + "; the buffer holds "
                    + (have.isEmpty() ? "no steps" : "steps " + have.get(0) + ".." + have.get(have.size() - 1)));
        }
        try (CheckpointReader c = CheckpointReader.open(f)) {
            Map<String, String> meta = c.metadata();
            if (!FORMAT.equals(meta.get("format"))) {
                throw new IllegalArgumentException(f + ": not a " + FORMAT + " file (metadata 'format' is "
                        + meta.get("format") + ")");
            }
            Map<String, INDArray> update = new LinkedHashMap<>();
            for (String n : c.names()) {
                if (withUpdate && n.startsWith("update.")) {
                    update.put(n.substring("update.".length()), c.readStored(n));
                }
            }
            String ids = meta.getOrDefault("ids", "");
            return new StepRecord(Long.parseLong(meta.get("step")), Long.parseLong(meta.get("epoch")),
                    Long.parseLong(meta.get("first_index")), Integer.parseInt(meta.get("micro_batches")),
                    Double.parseDouble(meta.get("lr")),
                    ids.isEmpty() ? new long[0] : Arrays.stream(ids.split(",")).mapToLong(Long::parseLong).toArray(),
                    ParameterSet.of(update));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read step record " + f, e);
        } catch (RuntimeException e) {
            if (e instanceof IllegalArgumentException) {
                throw e;
            }
            throw new IllegalArgumentException(f + ": malformed step record (" + e + ")", e);
        }
    }
}
