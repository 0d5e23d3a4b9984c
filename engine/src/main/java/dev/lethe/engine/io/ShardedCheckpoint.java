package dev.lethe.engine.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A sharded safetensors checkpoint ({@code model.safetensors.index.json} with a {@code weight_map} from tensor name to
 * shard file) opened as one {@link CheckpointReader}. Opening validates the index (UTF-8 JSON object, no tensor listed
 * twice, shard names plain file names in the index's folder, every shard present and itself valid, every listed tensor
 * present in its shard and in no other shard). Tensor names are exposed in {@code weight_map} order.
 */
public final class ShardedCheckpoint implements CheckpointReader {
    /** File name of the Hugging Face shard index. */
    public static final String INDEX_NAME = "model.safetensors.index.json";
    /** File name of an unsharded Hugging Face checkpoint. */
    public static final String SINGLE_NAME = "model.safetensors";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Path index;
    private final Map<String, SafetensorsFile> owner;
    private final List<SafetensorsFile> shards;
    private final Map<String, String> metadata;

    private ShardedCheckpoint(Path index, Map<String, SafetensorsFile> owner, List<SafetensorsFile> shards,
                              Map<String, String> metadata) {
        this.index = index;
        this.owner = owner;
        this.shards = shards;
        this.metadata = metadata;
    }

    /** Opens and validates an index file and all its shards. */
    public static ShardedCheckpoint open(Path indexFile) throws IOException {
        if (!Files.isRegularFile(indexFile)) {
            throw new CheckpointFormatException(indexFile + ": no such shard index file; check the path.");
        }
        byte[] bytes = Files.readAllBytes(indexFile);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new CheckpointFormatException(indexFile + ": not valid UTF-8; re-save the index as UTF-8 JSON.", e);
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            String m = e.getOriginalMessage();
            if (m != null && m.startsWith("Duplicate field")) {
                throw new CheckpointFormatException(indexFile + ": " + m + ": a tensor (or key) is listed twice;"
                        + " each tensor must appear exactly once in weight_map. Re-save the checkpoint.", e);
            }
            throw new CheckpointFormatException(indexFile + ": not well-formed JSON (" + m + "). Re-save the"
                    + " checkpoint.", e);
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointFormatException(indexFile + ": must be a JSON object with a 'weight_map' field."
                    + " Re-save the checkpoint.");
        }
        JsonNode wm = root.get("weight_map");
        if (wm == null || !wm.isObject()) {
            throw new CheckpointFormatException(indexFile + ": field 'weight_map' is missing or not an object of"
                    + " tensor name -> shard file name. Re-save the checkpoint.");
        }
        Map<String, String> meta = new LinkedHashMap<>();
        JsonNode md = root.get("metadata");
        if (md != null && md.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = md.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                meta.put(e.getKey(), e.getValue().isTextual() ? e.getValue().textValue() : e.getValue().toString());
            }
        }
        Path dir = indexFile.toAbsolutePath().getParent();
        Map<String, SafetensorsFile> files = new LinkedHashMap<>();
        Map<String, SafetensorsFile> owner = new LinkedHashMap<>();
        boolean ok = false;
        try {
            for (Iterator<Map.Entry<String, JsonNode>> it = wm.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String tensor = e.getKey();
                if (!e.getValue().isTextual()) {
                    throw new CheckpointFormatException(indexFile + ": weight_map['" + tensor + "'] must be a shard"
                            + " file name (a string) but is " + e.getValue() + ". Re-save the checkpoint.");
                }
                String shard = e.getValue().textValue();
                if (shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.equals(".")
                        || shard.equals("..")) {
                    throw new CheckpointFormatException(indexFile + ": weight_map['" + tensor + "'] = '" + shard
                            + "' is not a plain file name; shards must sit beside the index. Re-save the checkpoint.");
                }
                SafetensorsFile f = files.get(shard);
                if (f == null) {
                    Path p = dir.resolve(shard);
                    if (!Files.isRegularFile(p)) {
                        throw new CheckpointFormatException(indexFile + ": weight_map['" + tensor + "'] refers to '"
                                + shard + "', which does not exist in " + dir + ". Download the missing shard or"
                                + " re-save the checkpoint.");
                    }
                    f = SafetensorsFile.open(p);
                    files.put(shard, f);
                }
                if (!f.contains(tensor)) {
                    throw new CheckpointFormatException(indexFile + ": weight_map says tensor '" + tensor + "' is in '"
                            + shard + "', but that shard has no such tensor. Re-save the checkpoint.");
                }
                owner.put(tensor, f);
            }
            for (SafetensorsFile f : files.values()) {
                for (String n : f.names()) {
                    SafetensorsFile o = owner.get(n);
                    if (o != null && o != f) {
                        throw new CheckpointFormatException(indexFile + ": tensor '" + n + "' is stored in both '"
                                + o.path().getFileName() + "' and '" + f.path().getFileName() + "'; a tensor must"
                                + " be stored once. Re-save the checkpoint.");
                    }
                }
            }
            ok = true;
        } finally {
            if (!ok) {
                for (SafetensorsFile f : files.values()) {
                    f.close();
                }
            }
        }
        return new ShardedCheckpoint(indexFile, Collections.unmodifiableMap(owner),
                List.copyOf(new ArrayList<>(files.values())), Collections.unmodifiableMap(meta));
    }

    /** The index file. */
    public Path index() {
        return index;
    }

    /** The shard files, in order of first use in the weight map. */
    public List<Path> shardFiles() {
        List<Path> out = new ArrayList<>();
        for (SafetensorsFile f : shards) {
            out.add(f.path());
        }
        return out;
    }

    @Override
    public List<String> names() {
        return List.copyOf(owner.keySet());
    }

    @Override
    public boolean contains(String name) {
        return owner.containsKey(name);
    }

    private SafetensorsFile shardOf(String name) {
        SafetensorsFile f = owner.get(name);
        if (f == null) {
            throw new IllegalArgumentException(index + ": no tensor named '" + name + "' in weight_map (it lists "
                    + owner.size() + " tensors; list them with names()).");
        }
        return f;
    }

    @Override
    public TensorInfo info(String name) {
        return shardOf(name).info(name);
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public INDArray readFloat32(String name) throws IOException {
        return shardOf(name).readFloat32(name);
    }

    @Override
    public INDArray readFloat64(String name) throws IOException {
        return shardOf(name).readFloat64(name);
    }

    @Override
    public INDArray readStored(String name) throws IOException {
        return shardOf(name).readStored(name);
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (SafetensorsFile f : shards) {
            try {
                f.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
