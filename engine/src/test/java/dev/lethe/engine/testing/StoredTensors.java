package dev.lethe.engine.testing;

import dev.lethe.engine.io.CheckpointReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Test shorthand over {@link CheckpointReader}: the tensors (stored dtypes) or the metadata of a safetensors file. */
public final class StoredTensors {
    private StoredTensors() {
    }

    /** Every tensor of {@code file}, in its stored dtype. */
    public static Map<String, INDArray> read(Path file) throws IOException {
        return read(file, name -> true);
    }

    /** The tensors of {@code file} whose names pass {@code names}, in their stored dtypes. */
    public static Map<String, INDArray> read(Path file, Predicate<String> names) throws IOException {
        Map<String, INDArray> out = new LinkedHashMap<>();
        try (CheckpointReader r = CheckpointReader.open(file)) {
            for (String n : r.names()) {
                if (names.test(n)) {
                    out.put(n, r.readStored(n));
                }
            }
        }
        return out;
    }

    /** The {@code __metadata__} map of {@code file}. */
    public static Map<String, String> metadata(Path file) throws IOException {
        try (CheckpointReader r = CheckpointReader.open(file)) {
            return r.metadata();
        }
    }
}
