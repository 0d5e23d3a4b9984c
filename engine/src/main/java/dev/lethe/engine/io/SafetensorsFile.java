package dev.lethe.engine.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One safetensors file opened for reading: the header is read and fully validated when the file is opened (8-byte
 * length bounded by {@link #MAX_HEADER_BYTES} and the file size, strict UTF-8 JSON object without duplicate keys, known
 * dtypes, non-negative integer shapes whose byte size equals the {@code data_offsets} range, ranges inside the data
 * section and not overlapping, {@code __metadata__} a string-to-string map); tensor data is memory-mapped per tensor in
 * windows of at most 64 MB only when a tensor is read, so files and tensors larger than 2 GB work. Reads return detached
 * ND4J arrays in float32, float64 or the stored dtype. The instance holds an open file channel: close it when done.
 */
public final class SafetensorsFile implements CheckpointReader {
    /** Largest header accepted, in bytes (100 MB, as the reference implementation). */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors,
                            Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /**
     * Opens and validates a safetensors file.
     *
     * @throws CheckpointFormatException when the file is not a valid safetensors file (the message says why and what
     *                                   to do), or is a pickle checkpoint
     */
    public static SafetensorsFile open(Path file) throws IOException {
        UnsafeCheckpoints.refuseIfUnsafe(file);
        if (!Files.isRegularFile(file)) {
            throw new CheckpointFormatException(file + ": no such safetensors file; check the path (a model folder"
                    + " should hold model.safetensors or model.safetensors.index.json).");
        }
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            SafetensorsFile f = parse(file, ch);
            ch = null;
            return f;
        } finally {
            if (ch != null) {
                ch.close();
            }
        }
    }

    private static SafetensorsFile parse(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new CheckpointFormatException(file + ": truncated safetensors file: it has " + size + " bytes but"
                    + " the format starts with an 8-byte header length. Re-download or re-save the file.");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0);
        long n = lenBuf.getLong(0);
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw new CheckpointFormatException(file + ": header length " + Long.toUnsignedString(n) + " bytes exceeds"
                    + " the " + MAX_HEADER_BYTES + "-byte limit; this is not a safetensors file or it is corrupt"
                    + pickleHint(lenBuf) + ".");
        }
        if (n > size - 8) {
            throw new CheckpointFormatException(file + ": header length " + n + " bytes is larger than the file ("
                    + size + " bytes, " + (size - 8) + " after the length field): the file is truncated or not a"
                    + " safetensors file" + pickleHint(lenBuf) + ". Re-download or re-save it.");
        }
        ByteBuffer headerBuf = ByteBuffer.allocate((int) n);
        readFully(ch, headerBuf, 8);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(headerBuf.flip()).toString();
        } catch (CharacterCodingException e) {
            throw new CheckpointFormatException(file + ": the header is not valid UTF-8 (" + e.getMessage() + "); the"
                    + " file is corrupt or not a safetensors file. Re-download or re-save it.", e);
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new CheckpointFormatException(file + ": the header is not well-formed JSON ("
                    + e.getOriginalMessage() + "); the file is corrupt or not a safetensors file. Re-download or"
                    + " re-save it.", e);
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointFormatException(file + ": the header must be a JSON object mapping tensor names to"
                    + " {dtype, shape, data_offsets}, but it is " + describe(root) + ". Re-save the file with a"
                    + " safetensors writer.");
        }
        long dataLen = size - 8 - n;
        Map<String, String> meta = Map.of();
        List<TensorInfo> list = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                meta = parseMetadata(file, e.getValue());
            } else {
                list.add(parseEntry(file, e.getKey(), e.getValue(), dataLen));
            }
        }
        List<TensorInfo> byOffset = new ArrayList<>(list);
        byOffset.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        TensorInfo prev = null;
        for (TensorInfo t : byOffset) {
            if (t.begin() == t.end()) {
                continue;
            }
            if (prev != null && t.begin() < prev.end()) {
                throw new CheckpointFormatException(file + ": tensor '" + t.name() + "' bytes [" + t.begin() + ", "
                        + t.end() + ") overlap tensor '" + prev.name() + "' bytes [" + prev.begin() + ", "
                        + prev.end() + "); each tensor must own its byte range. Re-save the file with a safetensors"
                        + " writer.");
            }
            prev = t;
        }
        Map<String, TensorInfo> map = new LinkedHashMap<>();
        for (TensorInfo t : byOffset) {
            map.put(t.name(), t);
        }
        return new SafetensorsFile(file, ch, 8 + n, Collections.unmodifiableMap(map), meta);
    }

    private static String pickleHint(ByteBuffer first8) {
        int b0 = first8.get(0) & 0xff;
        int b1 = first8.get(1) & 0xff;
        if (b0 == 'P' && b1 == 'K') {
            return " (it starts like a zip archive, the format of torch.save: convert it to safetensors first, see"
                    + " UnsafeCheckpoints)";
        }
        if (b0 == 0x80 && b1 >= 2 && b1 <= 5) {
            return " (it starts like a Python pickle: convert it to safetensors first, see UnsafeCheckpoints)";
        }
        return "";
    }

    private static Map<String, String> parseMetadata(Path file, JsonNode node) throws CheckpointFormatException {
        if (!node.isObject()) {
            throw new CheckpointFormatException(file + ": __metadata__ must be a JSON object of string values, but it"
                    + " is " + describe(node) + ". Re-save the file with metadata as a str->str dict.");
        }
        Map<String, String> meta = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new CheckpointFormatException(file + ": __metadata__ field '" + e.getKey() + "' must be a"
                        + " string but is " + describe(e.getValue()) + ". Re-save the file with metadata as a"
                        + " str->str dict (e.g. str(value)).");
            }
            meta.put(e.getKey(), e.getValue().textValue());
        }
        return Collections.unmodifiableMap(meta);
    }

    private static TensorInfo parseEntry(Path file, String name, JsonNode node, long dataLen)
            throws CheckpointFormatException {
        String where = file + ": tensor '" + name + "'";
        String fix = " Re-save the file with a safetensors writer.";
        if (name.isEmpty()) {
            throw new CheckpointFormatException(file + ": a tensor has an empty name; every tensor needs a name." + fix);
        }
        if (!node.isObject()) {
            throw new CheckpointFormatException(where + ": entry must be an object {dtype, shape, data_offsets} but is "
                    + describe(node) + "." + fix);
        }
        JsonNode dt = node.get("dtype");
        if (dt == null || !dt.isTextual()) {
            throw new CheckpointFormatException(where + ": field 'dtype' is missing or not a string." + fix);
        }
        SafetensorsDType dtype = SafetensorsDType.fromHeaderName(dt.textValue());
        if (dtype == null) {
            throw new CheckpointFormatException(where + ": unknown dtype '" + dt.textValue() + "' (supported: "
                    + SafetensorsDType.supportedNames() + "). Convert the tensor to one of these dtypes before saving.");
        }
        JsonNode sh = node.get("shape");
        if (sh == null || !sh.isArray()) {
            throw new CheckpointFormatException(where + ": field 'shape' is missing or not an array of integers." + fix);
        }
        long[] shape = new long[sh.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong()) {
                throw new CheckpointFormatException(where + ": shape[" + i + "] = " + d + " is not an integer."
                        + fix);
            }
            shape[i] = d.longValue();
            if (shape[i] < 0) {
                throw new CheckpointFormatException(where + ": shape[" + i + "] = " + shape[i] + " is negative;"
                        + " dimensions must be >= 0." + fix);
            }
        }
        long bytes;
        try {
            for (long d : shape) {
                elements = Math.multiplyExact(elements, d);
            }
            bytes = Math.multiplyExact(elements, (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new CheckpointFormatException(where + ": shape " + sh + " has more elements than fit in 64 bits."
                    + fix);
        }
        JsonNode off = node.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).isIntegralNumber()
                || !off.get(1).isIntegralNumber() || !off.get(0).canConvertToLong()
                || !off.get(1).canConvertToLong()) {
            throw new CheckpointFormatException(where + ": field 'data_offsets' must be [begin, end], two integers,"
                    + " but is " + off + "." + fix);
        }
        long begin = off.get(0).longValue();
        long end = off.get(1).longValue();
        if (begin < 0 || end < begin) {
            throw new CheckpointFormatException(where + ": data_offsets [" + begin + ", " + end + "] are not a valid"
                    + " range (need 0 <= begin <= end)." + fix);
        }
        if (end > dataLen) {
            throw new CheckpointFormatException(where + ": data_offsets [" + begin + ", " + end + "] reach past the end"
                    + " of the data section (" + dataLen + " bytes): the file is truncated or corrupt. Re-download"
                    + " or re-save it.");
        }
        if (end - begin != bytes) {
            throw new CheckpointFormatException(where + ": shape " + sh + " x " + dtype + " (" + dtype.byteSize()
                    + " bytes) needs " + bytes + " bytes but data_offsets [" + begin + ", " + end + "] hold "
                    + (end - begin) + "." + fix);
        }
        return new TensorInfo(name, dtype, shape, begin, end, file);
    }

    private static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "empty";
        }
        if (node.isNull()) {
            return "null";
        }
        return "a JSON " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + " ("
                + abbreviate(node.toString()) + ")";
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += r;
        }
    }

    /** The file this reader reads. */
    public Path path() {
        return path;
    }

    /** Byte position of the data section in the file (8 + header length). */
    public long dataStart() {
        return dataStart;
    }

    @Override
    public List<String> names() {
        return List.copyOf(tensors.keySet());
    }

    @Override
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    @Override
    public TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException(path + ": no tensor named '" + name + "' (the file has "
                    + tensors.size() + " tensors; list them with names()).");
        }
        return t;
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public INDArray readFloat32(String name) throws IOException {
        return read(info(name), DataType.FLOAT);
    }

    @Override
    public INDArray readFloat64(String name) throws IOException {
        return read(info(name), DataType.DOUBLE);
    }

    @Override
    public INDArray readStored(String name) throws IOException {
        TensorInfo t = info(name);
        return read(t, t.dtype().ndType());
    }

    private INDArray read(TensorInfo t, DataType target) throws IOException {
        INDArray out = NativeArrays.allocate(target, t.shape());
        long count = t.elementCount();
        if (count == 0) {
            return out;
        }
        SafetensorsDType src = t.dtype();
        int srcSize = src.byteSize();
        int dstSize = target.width();
        boolean raw = src.ndType() == target && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        long perWindow = NativeArrays.WINDOW / Math.max(srcSize, dstSize);
        for (long first = 0; first < count; first += perWindow) {
            int n = (int) Math.min(perWindow, count - first);
            ByteBuffer in = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + t.begin() + first * srcSize,
                    (long) n * srcSize).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer dst = NativeArrays.window(out, first * dstSize, n * dstSize);
            if (raw) {
                dst.put(in);
            } else {
                ElementCodec.convert(in, src, dst, target, n, path, t.name());
            }
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + tensors.size() + " tensors]";
    }
}
