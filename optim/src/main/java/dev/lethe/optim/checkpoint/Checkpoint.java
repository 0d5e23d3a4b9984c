package dev.lethe.optim.checkpoint;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Atomic checkpoint files: the contents are written to a temporary file in the same directory, fsynced, renamed over
 * the target with an atomic move, and the directory is fsynced, so a crash at any moment leaves either the old or the
 * new checkpoint complete, never a torn one. The format is safetensors (see {@link SafeTensors}).
 */
public final class Checkpoint {
    private Checkpoint() {
    }

    /** Atomically replaces {@code file} with the given tensors and metadata. */
    public static void writeAtomically(Path file, Map<String, INDArray> tensors, Map<String, String> metadata)
            throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
        try {
            SafeTensors.write(tmp, tensors, metadata, true);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true); // persist the rename itself
        } catch (IOException ignored) {
            // some file systems cannot open directories; the rename is still atomic
        }
    }
}
