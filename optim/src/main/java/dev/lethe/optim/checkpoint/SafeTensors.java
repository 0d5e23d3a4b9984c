package dev.lethe.optim.checkpoint;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.engine.kernel.Loops;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A minimal reader and writer of the safetensors format (8-byte little-endian header length, a JSON header mapping
 * names to dtype, shape and byte offsets plus an optional {@code __metadata__} string map, then the raw little-endian
 * data), for F32 and F64 arrays: enough for checkpoints that Python's {@code safetensors.torch.load_file} reads. The
 * writer can {@code fsync} the file before returning (see {@link Checkpoint} for the atomic rename).
 */
public final class SafeTensors {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The arrays and metadata of one file. */
    public record Contents(Map<String, INDArray> tensors, Map<String, String> metadata) {
    }

    private SafeTensors() {
    }

    /** Writes {@code tensors} (F32/F64, any layout) and {@code metadata} to {@code file}; fsyncs when asked. */
    public static void write(Path file, Map<String, INDArray> tensors, Map<String, String> metadata, boolean fsync)
            throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) {
            header.put("__metadata__", metadata);
        }
        long offset = 0;
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            INDArray a = e.getValue();
            String dtype = dtypeName(a.dataType());
            long bytes = a.length() * a.dataType().width();
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("dtype", dtype);
            h.put("shape", a.shape());
            h.put("data_offsets", new long[] {offset, offset + bytes});
            header.put(e.getKey(), h);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, head);
            for (INDArray a : tensors.values()) {
                writeFully(ch, toBytes(a));
            }
            if (fsync) {
                ch.force(true);
            }
        }
    }

    /** Reads every tensor of {@code file} (all must be F32/F64) into fresh c-order arrays, with the metadata. */
    public static Contents read(Path file) throws IOException {
        return read(file, name -> true);
    }

    /** Reads the tensors whose names pass {@code names} (these must be F32/F64), with the metadata. */
    public static Contents read(Path file, java.util.function.Predicate<String> names) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, len, 0);
            long n = len.flip().getLong();
            if (n <= 0 || n > 100_000_000L || 8 + n > ch.size()) {
                throw new IOException(file + ": not a safetensors file (header length " + n + ")");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) n);
            readFully(ch, hb, 8);
            JsonNode header = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8));
            Map<String, INDArray> tensors = new LinkedHashMap<>();
            Map<String, String> meta = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = header.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    meta.putAll(JSON.convertValue(e.getValue(), new TypeReference<Map<String, String>>() { }));
                    continue;
                }
                if (!names.test(e.getKey())) {
                    continue;
                }
                JsonNode t = e.getValue();
                DataType dt = dataType(t.get("dtype").asText(), e.getKey());
                long[] shape = JSON.convertValue(t.get("shape"), long[].class);
                long begin = t.get("data_offsets").get(0).asLong();
                long end = t.get("data_offsets").get(1).asLong();
                INDArray a = Nd4j.createUninitialized(dt, shape);
                if (end - begin != a.length() * dt.width()) {
                    throw new IOException(file + ": '" + e.getKey() + "' has inconsistent offsets");
                }
                ByteBuffer data = ByteBuffer.allocate((int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
                readFully(ch, data, 8 + n + begin);
                data.flip();
                Buf b = Buf.of(a);
                int count = (int) a.length();
                if (dt == DataType.FLOAT) {
                    for (int i = 0; i < count; i++) {
                        b.floats().put(i, data.getFloat());
                    }
                } else {
                    for (int i = 0; i < count; i++) {
                        b.doubles().put(i, data.getDouble());
                    }
                }
                tensors.put(e.getKey(), a);
            }
            return new Contents(tensors, meta);
        }
    }

    private static ByteBuffer toBytes(INDArray a) {
        INDArray c = a;
        if (!Loops.isContiguous(a)) {
            c = Nd4j.createUninitialized(a.dataType(), a.shape());
            Loops.copy(a, c);
        }
        int count = (int) c.length();
        ByteBuffer out = ByteBuffer.allocate(count * a.dataType().width()).order(ByteOrder.LITTLE_ENDIAN);
        Buf b = Buf.of(c);
        if (b.isFloat()) {
            for (int i = 0; i < count; i++) {
                out.putFloat(b.floats().get(i));
            }
        } else {
            for (int i = 0; i < count; i++) {
                out.putDouble(b.doubles().get(i));
            }
        }
        return out.flip();
    }

    private static String dtypeName(DataType dt) {
        if (dt == DataType.FLOAT) {
            return "F32";
        }
        if (dt == DataType.DOUBLE) {
            return "F64";
        }
        throw new IllegalArgumentException("checkpoints hold F32/F64 arrays only, got " + dt);
    }

    private static DataType dataType(String name, String tensor) throws IOException {
        switch (name) {
            case "F32":
                return DataType.FLOAT;
            case "F64":
                return DataType.DOUBLE;
            default:
                throw new IOException("'" + tensor + "' has dtype " + name + "; this reader handles F32 and F64");
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        long pos = position;
        while (b.hasRemaining()) {
            int r = ch.read(b, pos);
            if (r < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += r;
        }
    }
}
