package dev.lethe.engine.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Read access to the named tensors of a safetensors checkpoint, one file ({@link SafetensorsFile}) or a sharded set
 * ({@link ShardedCheckpoint}) seen as one. Arrays returned are new, detached from any ND4J workspace and C-ordered;
 * {@link #open(Path)} picks the right implementation for a file or a Hugging Face model folder and refuses pickle
 * checkpoints.
 */
public interface CheckpointReader extends Closeable {

    /** Tensor names, in storage order. */
    List<String> names();

    /** True when a tensor of this name exists. */
    boolean contains(String name);

    /** Dtype, shape and location of a tensor; {@link IllegalArgumentException} naming the file when absent. */
    TensorInfo info(String name);

    /** The string metadata ({@code __metadata__} of a file, {@code metadata} of a shard index). */
    Map<String, String> metadata();

    /** The tensor converted to float32 (exact from F16/BF16/F32 and small ints, F64 rounded to nearest). */
    INDArray readFloat32(String name) throws IOException;

    /** The tensor converted to float64 (exact from every floating dtype and from ints up to 2^53). */
    INDArray readFloat64(String name) throws IOException;

    /** The tensor in its stored dtype (e.g. LONG for I64, BOOL, HALF for F16, BFLOAT16 for BF16). */
    INDArray readStored(String name) throws IOException;

    /** Every tensor converted to float32, keyed by name in storage order. */
    default Map<String, INDArray> readAllFloat32() throws IOException {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String n : names()) {
            out.put(n, readFloat32(n));
        }
        return out;
    }

    /** Every tensor in its stored dtype, keyed by name in storage order. */
    default Map<String, INDArray> readAllStored() throws IOException {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String n : names()) {
            out.put(n, readStored(n));
        }
        return out;
    }

    /**
     * Opens a checkpoint: a {@code .safetensors} file, a {@code model.safetensors.index.json}, or a model folder
     * holding either (the index wins when both are present). Pickle checkpoints ({@code .bin}, {@code .pt},
     * {@code .pth}, {@code .ckpt}, ...) are refused with conversion instructions, never unpickled.
     */
    static CheckpointReader open(Path fileOrDir) throws IOException {
        UnsafeCheckpoints.refuseIfUnsafe(fileOrDir);
        if (Files.isDirectory(fileOrDir)) {
            Path index = fileOrDir.resolve(ShardedCheckpoint.INDEX_NAME);
            if (Files.isRegularFile(index)) {
                return ShardedCheckpoint.open(index);
            }
            Path single = fileOrDir.resolve(ShardedCheckpoint.SINGLE_NAME);
            if (Files.isRegularFile(single)) {
                return SafetensorsFile.open(single);
            }
            throw new CheckpointFormatException(fileOrDir + ": no " + ShardedCheckpoint.SINGLE_NAME + " or "
                    + ShardedCheckpoint.INDEX_NAME + " in this folder; point at a Hugging Face model folder saved with"
                    + " safetensors, or at a .safetensors file.");
        }
        if (fileOrDir.getFileName() != null && fileOrDir.getFileName().toString().endsWith(".index.json")) {
            return ShardedCheckpoint.open(fileOrDir);
        }
        return SafetensorsFile.open(fileOrDir);
    }
}
