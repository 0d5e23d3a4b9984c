package dev.lethe.engine.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Writes named ND4J arrays as safetensors, atomically: the bytes go to a temporary file in the target folder, are
 * fsynced, and the file is renamed over the target, so a reader never sees a half-written checkpoint. Tensors are laid
 * out by element size (largest first) and then by name, which keeps every tensor aligned to its element size and makes
 * the output independent of map order; the header is padded with spaces to a multiple of 8 bytes. Floating-point
 * arrays can be stored in another floating dtype (e.g. BF16, rounded to nearest even). {@link #writeModel} writes a
 * Hugging Face model folder, sharded above a size limit with {@code model.safetensors.index.json}.
 */
public final class SafetensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Pattern SHARD = Pattern.compile("model-\\d{5}-of-\\d{5}\\.safetensors");

    private SafetensorsWriter() {
    }

    private record Entry(String name, INDArray array, SafetensorsDType dtype, long bytes) {
    }

    /** Writes the tensors with their own dtypes and no metadata. */
    public static void write(Path file, Map<String, INDArray> tensors) throws IOException {
        write(file, tensors, null, null);
    }

    /** Writes the tensors with their own dtypes and the given {@code __metadata__} (may be null). */
    public static void write(Path file, Map<String, INDArray> tensors, Map<String, String> metadata)
            throws IOException {
        write(file, tensors, metadata, null);
    }

    /**
     * Writes the tensors; floating-point arrays are stored as {@code floatStorage} when it is not null (integer and
     * bool arrays keep their dtype).
     *
     * @param file         the target file; replaced atomically if it exists
     * @param tensors      name to array; names must be non-empty and not {@code __metadata__}
     * @param metadata     string metadata for the header, or null for none
     * @param floatStorage F32, F64, F16 or BF16 to convert floating arrays to, or null to keep each array's dtype
     */
    public static void write(Path file, Map<String, INDArray> tensors, Map<String, String> metadata,
                             SafetensorsDType floatStorage) throws IOException {
        List<Entry> entries = entries(tensors, floatStorage);
        writeEntries(file, entries, metadata);
    }

    /**
     * Writes a Hugging Face model folder: {@code model.safetensors} when all tensors fit in {@code maxShardBytes},
     * otherwise {@code model-00001-of-0000N.safetensors} shards (a new shard starts when the next tensor would pass
     * the limit; a tensor larger than the limit gets a shard of its own) and {@code model.safetensors.index.json} with
     * {@code metadata.total_size} (bytes of all tensors) and {@code weight_map}. Stale shards and indexes of an earlier
     * save in the folder are removed after the new files are in place.
     *
     * @return the files written, shards first, then the index when there is one
     */
    public static List<Path> writeModel(Path dir, Map<String, INDArray> tensors, Map<String, String> metadata,
                                        SafetensorsDType floatStorage, long maxShardBytes) throws IOException {
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("maxShardBytes must be > 0 (e.g. 5L << 30 for 5 GB), got "
                    + maxShardBytes);
        }
        Files.createDirectories(dir);
        List<Entry> entries = entries(tensors, floatStorage);
        long total = 0;
        List<List<Entry>> shards = new ArrayList<>();
        List<Entry> current = new ArrayList<>();
        long currentBytes = 0;
        for (Entry e : entries) {
            total += e.bytes;
            if (!current.isEmpty() && currentBytes + e.bytes > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(e);
            currentBytes += e.bytes;
        }
        if (!current.isEmpty() || shards.isEmpty()) {
            shards.add(current);
        }
        List<Path> written = new ArrayList<>();
        if (shards.size() == 1) {
            Path single = dir.resolve(ShardedCheckpoint.SINGLE_NAME);
            writeEntries(single, shards.get(0), metadata);
            written.add(single);
            removeStale(dir, written, true);
            return written;
        }
        Map<String, String> weightMap = new TreeMap<>();
        for (int i = 0; i < shards.size(); i++) {
            String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            Path p = dir.resolve(name);
            writeEntries(p, shards.get(i), metadata);
            written.add(p);
            for (Entry e : shards.get(i)) {
                weightMap.put(e.name, name);
            }
        }
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", total);
        ObjectNode wm = index.putObject("weight_map");
        weightMap.forEach(wm::put);
        Path indexPath = dir.resolve(ShardedCheckpoint.INDEX_NAME);
        atomicWrite(indexPath, ch -> {
            byte[] b = (PRETTY.writeValueAsString(index) + "\n").getBytes(StandardCharsets.UTF_8);
            writeFully(ch, ByteBuffer.wrap(b));
        });
        written.add(indexPath);
        removeStale(dir, written, false);
        return written;
    }

    private static void removeStale(Path dir, List<Path> keep, boolean removeIndex) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                boolean stale = (SHARD.matcher(n).matches() || (removeIndex && n.equals(ShardedCheckpoint.INDEX_NAME)))
                        && !keep.contains(p);
                if (stale) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static List<Entry> entries(Map<String, INDArray> tensors, SafetensorsDType floatStorage) {
        if (floatStorage != null && !floatStorage.isFloatingPoint()) {
            throw new IllegalArgumentException("floatStorage must be F32, F64, F16 or BF16 (or null to keep dtypes),"
                    + " got " + floatStorage);
        }
        List<Entry> out = new ArrayList<>();
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            String name = e.getKey();
            if (name == null || name.isEmpty() || name.equals("__metadata__")) {
                throw new IllegalArgumentException("tensor name '" + name + "' is not allowed in safetensors; use a"
                        + " non-empty name other than __metadata__");
            }
            INDArray a = e.getValue();
            if (a == null) {
                throw new IllegalArgumentException("tensor '" + name + "' is null; pass an array for every name");
            }
            SafetensorsDType own = SafetensorsDType.fromNd4j(a.dataType());
            SafetensorsDType dt = floatStorage != null && own.isFloatingPoint() ? floatStorage : own;
            out.add(new Entry(name, a, dt, a.length() * dt.byteSize()));
        }
        out.sort(Comparator.comparingInt((Entry x) -> -x.dtype.byteSize()).thenComparing(x -> x.name));
        return out;
    }

    private static void writeEntries(Path file, List<Entry> entries, Map<String, String> metadata)
            throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode md = header.putObject("__metadata__");
            new TreeMap<>(metadata).forEach((k, v) -> {
                if (v == null) {
                    throw new IllegalArgumentException("metadata '" + k + "' is null; metadata values must be"
                            + " strings");
                }
                md.put(k, v);
            });
        }
        long offset = 0;
        for (Entry e : entries) {
            ObjectNode t = header.putObject(e.name);
            t.put("dtype", e.dtype.name());
            ArrayNode shape = t.putArray("shape");
            for (long d : e.array.shape()) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + e.bytes);
            offset += e.bytes;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        atomicWrite(file, ch -> {
            writeFully(ch, head);
            for (Entry e : entries) {
                writeData(ch, e);
            }
        });
    }

    private static void writeData(FileChannel ch, Entry e) throws IOException {
        long count = e.array.length();
        if (e.bytes == 0) {
            return;
        }
        INDArray dense = NativeArrays.dense(e.array);
        int srcSize = dense.dataType().width();
        int dstSize = e.dtype.byteSize();
        boolean raw = SafetensorsDType.fromNd4j(dense.dataType()) == e.dtype
                && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        long perWindow = NativeArrays.WINDOW / Math.max(srcSize, dstSize);
        ByteBuffer out = raw ? null : ByteBuffer.allocateDirect((int) (perWindow * dstSize))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (long first = 0; first < count; first += perWindow) {
            int n = (int) Math.min(perWindow, count - first);
            ByteBuffer src = NativeArrays.window(dense, first * srcSize, n * srcSize);
            if (raw) {
                writeFully(ch, src);
            } else {
                out.clear();
                ElementCodec.encode(src, dense.dataType(), out, e.dtype, n);
                out.limit(n * dstSize);
                writeFully(ch, out);
            }
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** Body of an atomic write: fills the channel of the temporary file. */
    @FunctionalInterface
    private interface Body {
        void write(FileChannel ch) throws IOException;
    }

    private static void atomicWrite(Path file, Body body) throws IOException {
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                body.write(ch);
                ch.force(true);
            }
            // temp files are created owner-only; a saved model should be readable like any file the user writes
            if (tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            } catch (IOException | UnsupportedOperationException ignored) {
                // some platforms cannot fsync a folder; the file itself is already on disk
            }
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }
}
