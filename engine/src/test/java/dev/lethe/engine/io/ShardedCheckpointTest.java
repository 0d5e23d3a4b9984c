package dev.lethe.engine.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Sharded writing in the Hugging Face layout, reading it back as one view, and broken indexes. */
class ShardedCheckpointTest {
    @TempDir
    Path dir;

    private static Map<String, INDArray> tensors() {
        Map<String, INDArray> m = new TreeMap<>();
        for (int i = 0; i < 5; i++) {
            m.put("layer." + i + ".w", Nd4j.linspace(i, i + 1, 100).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT)
                    .reshape(10, 10)); // 400 bytes each
        }
        m.put("step", Nd4j.createFromArray(42L)); // 8 bytes
        return m;
    }

    @Test
    void shardsAboveTheLimitWithHfNamesAndIndex() throws Exception {
        Map<String, INDArray> in = tensors();
        List<Path> files = SafetensorsWriter.writeModel(dir, in, Map.of("format", "pt"), null, 900);
        // layout order: 8-byte step first, then the five 400-byte tensors by name; greedy at 900 bytes:
        // [step, layer.0, layer.1] = 808, [layer.2, layer.3] = 800, [layer.4] = 400
        assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly(
                "model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                "model-00003-of-00003.safetensors", "model.safetensors.index.json");
        JsonNode index = new ObjectMapper().readTree(dir.resolve("model.safetensors.index.json").toFile());
        assertThat(index.get("metadata").get("total_size").asLong()).isEqualTo(5 * 400 + 8);
        assertThat(index.get("weight_map").get("step").asText()).isEqualTo("model-00001-of-00003.safetensors");
        assertThat(index.get("weight_map").get("layer.1.w").asText()).isEqualTo("model-00001-of-00003.safetensors");
        assertThat(index.get("weight_map").get("layer.3.w").asText()).isEqualTo("model-00002-of-00003.safetensors");
        assertThat(index.get("weight_map").get("layer.4.w").asText()).isEqualTo("model-00003-of-00003.safetensors");
        assertThat(index.get("weight_map").size()).isEqualTo(6);
        try (CheckpointReader r = CheckpointReader.open(dir)) {
            assertThat(r).isInstanceOf(ShardedCheckpoint.class);
            assertThat(r.names()).containsExactlyInAnyOrderElementsOf(in.keySet());
            assertThat(r.metadata()).containsEntry("total_size", "2008");
            for (String n : in.keySet()) {
                assertThat(r.readStored(n)).isEqualTo(in.get(n));
            }
            assertThat(r.info("layer.4.w").file().getFileName().toString())
                    .isEqualTo("model-00003-of-00003.safetensors");
        }
        try (SafetensorsFile shard = SafetensorsFile.open(dir.resolve("model-00002-of-00003.safetensors"))) {
            assertThat(shard.metadata()).containsEntry("format", "pt");
            assertThat(shard.names()).containsExactly("layer.2.w", "layer.3.w");
        }
        // saving again below the limit replaces the shards with a single file and removes the stale ones
        SafetensorsWriter.writeModel(dir, in, Map.of("format", "pt"), null, 1L << 30);
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("model.safetensors");
        }
        try (CheckpointReader r = CheckpointReader.open(dir)) {
            assertThat(r).isInstanceOf(SafetensorsFile.class);
            assertThat(r.readFloat32("layer.2.w")).isEqualTo(in.get("layer.2.w"));
        }
    }

    private Path shard(String name, Map<String, INDArray> m) throws Exception {
        Path p = dir.resolve(name);
        SafetensorsWriter.write(p, m);
        return p;
    }

    private Path index(String json) throws Exception {
        Path p = dir.resolve("model.safetensors.index.json");
        Files.writeString(p, json);
        return p;
    }

    @Test
    void brokenIndexesAreRejected() throws Exception {
        shard("a.safetensors", Map.of("x", Nd4j.createFromArray(1f), "y", Nd4j.createFromArray(2f)));
        shard("b.safetensors", Map.of("y", Nd4j.createFromArray(3f)));
        Path idx = index("{\"weight_map\":{\"x\":\"a.safetensors\",\"z\":\"missing.safetensors\"}}");
        assertThatThrownBy(() -> ShardedCheckpoint.open(idx)).isInstanceOf(CheckpointFormatException.class)
                .hasMessageContaining(idx.toString())
                .hasMessageContaining("weight_map['z'] refers to 'missing.safetensors', which does not exist");
        index("{\"weight_map\":{\"x\":\"a.safetensors\",\"x\":\"a.safetensors\"}}");
        assertThatThrownBy(() -> ShardedCheckpoint.open(idx)).isInstanceOf(CheckpointFormatException.class)
                .hasMessageContaining("Duplicate field 'x'").hasMessageContaining("listed twice");
        index("{\"weight_map\":{\"x\":\"a.safetensors\",\"y\":\"b.safetensors\"}}");
        assertThatThrownBy(() -> ShardedCheckpoint.open(idx)).isInstanceOf(CheckpointFormatException.class)
                .hasMessageContaining("tensor 'y' is stored in both 'b.safetensors' and 'a.safetensors'");
        index("{\"weight_map\":{\"x\":\"../a.safetensors\"}}");
        assertThatThrownBy(() -> ShardedCheckpoint.open(idx)).isInstanceOf(CheckpointFormatException.class)
                .hasMessageContaining("is not a plain file name");
        index("{\"weight_map\":{\"w\":\"a.safetensors\"}}");
        assertThatThrownBy(() -> ShardedCheckpoint.open(idx)).isInstanceOf(CheckpointFormatException.class)
                .hasMessageContaining("tensor 'w' is in 'a.safetensors', but that shard has no such tensor");
        index("{\"metadata\":{}}");
        assertThatThrownBy(() -> ShardedCheckpoint.open(idx)).isInstanceOf(CheckpointFormatException.class)
                .hasMessageContaining("field 'weight_map' is missing");
        index("{\"weight_map\":{\"x\":\"a.safetensors\"}}");
        try (ShardedCheckpoint r = ShardedCheckpoint.open(idx)) {
            assertThat(r.names()).containsExactly("x");
            assertThat(r.readFloat32("x").getFloat(0)).isEqualTo(1f);
        }
    }

    @Test
    void pickleCheckpointsAreRefusedWithConversionInstructions() throws Exception {
        Path bin = dir.resolve("pytorch_model.bin");
        Files.write(bin, new byte[] {(byte) 0x80, 2, 0, 0});
        assertThatThrownBy(() -> CheckpointReader.open(bin)).isInstanceOf(CheckpointFormatException.class)
                .hasMessageContaining("refusing to load 'pytorch_model.bin'")
                .hasMessageContaining("unpickling can run arbitrary code")
                .hasMessageContaining("save_pretrained('MODEL_DIR-safetensors', safe_serialization=True)")
                .hasMessageContaining("torch.load('pytorch_model.bin', map_location='cpu', weights_only=True)")
                .hasMessageContaining("save_file(");
        // a folder with only pickle weights is refused; with safetensors beside them it opens
        assertThatThrownBy(() -> CheckpointReader.open(dir)).isInstanceOf(CheckpointFormatException.class)
                .hasMessageContaining("refusing to load 'pytorch_model.bin'");
        for (String ext : List.of("model.pt", "model.pth", "last.ckpt")) {
            Path p = dir.resolve(ext);
            Files.write(p, new byte[] {1});
            assertThatThrownBy(() -> UnsafeCheckpoints.refuseIfUnsafe(p))
                    .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("refusing to load '" + ext);
        }
        SafetensorsWriter.writeModel(dir, Map.of("w", Nd4j.createFromArray(5f)), null, null, 1L << 20);
        try (CheckpointReader r = CheckpointReader.open(dir)) {
            assertThat(r.readFloat32("w").getFloat(0)).isEqualTo(5f);
        }
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertThatThrownBy(() -> CheckpointReader.open(empty)).isInstanceOf(CheckpointFormatException.class)
                .hasMessageContaining("no model.safetensors or model.safetensors.index.json");
    }
}
