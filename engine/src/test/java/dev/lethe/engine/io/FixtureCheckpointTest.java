package dev.lethe.engine.io;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.engine.testing.SharedFiles;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Reads the shared tiny HF checkpoints and compares every tensor with an independent plain-ByteBuffer parse. */
class FixtureCheckpointTest {

    /** An independent minimal parse: header via Jackson, data via absolute little-endian reads. */
    record Plain(JsonNode header, ByteBuffer data) {
        static Plain of(Path p) throws Exception {
            byte[] all = Files.readAllBytes(p);
            ByteBuffer bb = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
            int n = (int) bb.getLong(0);
            JsonNode h = new ObjectMapper().readTree(new String(all, 8, n, StandardCharsets.UTF_8));
            ByteBuffer data = ByteBuffer.wrap(all, 8 + n, all.length - 8 - n).slice().order(ByteOrder.LITTLE_ENDIAN);
            return new Plain(h, data);
        }

        List<String> names() {
            List<String> out = new ArrayList<>();
            for (Iterator<String> it = header.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!k.equals("__metadata__")) {
                    out.add(k);
                }
            }
            return out;
        }

        long[] shape(String name) {
            JsonNode s = header.get(name).get("shape");
            long[] out = new long[s.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = s.get(i).asLong();
            }
            return out;
        }

        int begin(String name) {
            return header.get(name).get("data_offsets").get(0).asInt();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "olmo"})
    void modelTensorsMatchIndependentParseBitForBit(String family) throws Exception {
        Path file = SharedFiles.path("fixtures/hf/" + family + "/model.safetensors");
        Plain plain = Plain.of(file);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.metadata()).containsEntry("format", "pt");
            assertThat(f.names()).containsExactlyInAnyOrderElementsOf(plain.names());
            for (String name : plain.names()) {
                TensorInfo info = f.info(name);
                assertThat(info.dtype()).isEqualTo(SafetensorsDType.F32);
                assertThat(info.shape()).containsExactly(plain.shape(name));
                INDArray a = f.readFloat32(name);
                assertThat(a.dataType()).isEqualTo(DataType.FLOAT);
                assertThat(a.shape()).containsExactly(plain.shape(name));
                float[] got = a.data().asFloat();
                int base = plain.begin(name);
                for (int i = 0; i < got.length; i++) {
                    assertThat(Float.floatToRawIntBits(got[i]))
                            .as("%s[%d]", name, i)
                            .isEqualTo(plain.data.getInt(base + 4 * i));
                }
                INDArray d = f.readFloat64(name);
                assertThat(d.dataType()).isEqualTo(DataType.DOUBLE);
                assertThat(d.getDouble(d.length() - 1)).isEqualTo((double) got[got.length - 1]);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "olmo"})
    void referenceIntegerTensorsReadInStoredDtype(String family) throws Exception {
        Path file = SharedFiles.path("fixtures/hf/" + family + "/reference.safetensors");
        Plain plain = Plain.of(file);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (String name : List.of("input_ids", "attention_mask", "labels", "greedy_ids")) {
                assertThat(f.info(name).dtype()).isEqualTo(SafetensorsDType.I64);
                INDArray a = f.readStored(name);
                assertThat(a.dataType()).isEqualTo(DataType.LONG);
                long[] got = a.data().asLong();
                int base = plain.begin(name);
                for (int i = 0; i < got.length; i++) {
                    assertThat(got[i]).isEqualTo(plain.data.getLong(base + 8 * i));
                }
            }
            assertThat(f.info("input_ids").shape()).containsExactly(2, 33);
            long[] mask = f.readStored("attention_mask").data().asLong();
            long[] labels = f.readStored("labels").data().asLong();
            // labels are -100 wherever the attention mask is 0 (right padding), per the fixture README
            for (int i = 0; i < mask.length; i++) {
                assertThat(mask[i]).isIn(0L, 1L);
                if (mask[i] == 0) {
                    assertThat(labels[i]).isEqualTo(-100L);
                }
            }
            assertThat(labels).contains(-100L);
            // the I64 mask read as float32 gives the same 0/1 values
            float[] maskF = f.readFloat32("attention_mask").data().asFloat();
            for (int i = 0; i < mask.length; i++) {
                assertThat(maskF[i]).isEqualTo((float) mask[i]);
            }
        }
    }

    @org.junit.jupiter.api.Test
    void knownInitialValuesOfNorms() throws Exception {
        try (CheckpointReader gpt2 = CheckpointReader.open(SharedFiles.path("fixtures/hf/gpt2"));
             CheckpointReader llama = CheckpointReader.open(SharedFiles.path("fixtures/hf/llama"))) {
            // freshly initialised norms: LayerNorm weight 1, bias 0; RMSNorm weight 1
            assertThat(gpt2.readFloat32("transformer.h.0.ln_1.weight").data().asFloat()).containsOnly(1f);
            assertThat(gpt2.readFloat32("transformer.h.0.ln_1.bias").data().asFloat()).containsOnly(0f);
            assertThat(gpt2.info("transformer.h.0.attn.c_attn.weight").shape()).containsExactly(64, 192);
            assertThat(llama.readFloat32("model.layers.0.input_layernorm.weight").data().asFloat())
                    .hasSize(64).containsOnly(1f);
            assertThat(llama.info("model.layers.0.self_attn.k_proj.weight").shape()).containsExactly(32, 64);
            Map<String, INDArray> all = llama.readAllFloat32();
            assertThat(all).containsKeys("lm_head.weight", "model.embed_tokens.weight", "model.norm.weight");
        }
    }
}
