package dev.lethe.transformer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lethe.engine.GradCheck;
import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.transformer.config.ModelConfig;
import dev.lethe.engine.io.CheckpointReader;
import dev.lethe.engine.io.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * LoRA adapters: the PEFT-layout fixture made by transformer/scripts/make_lora_fixture.py (plain PyTorch float64
 * forward, as peft is not installable here) gives PyTorch's logits; gradients of A, B and the input against float64
 * finite differences (with and without dropout); save then load is bit-identical; the merged model equals the adapter
 * model (Linear and GPT-2 Conv1D layers); a frozen view shares the base arrays; and bad adapters are refused with
 * messages naming what is wrong.
 */
class LoraAdapterTest {
    @TempDir
    Path tmp;

    static Path fixture() throws Exception {
        return Path.of(LoraAdapterTest.class.getResource("/fixtures/lora-llama/adapter_config.json").toURI()).getParent();
    }

    static Path base(String family) {
        return SharedFiles.path("fixtures/hf/" + family);
    }

    private static TokenBatch referenceBatch(CheckpointReader ref) throws Exception {
        INDArray ids = ref.readFloat64("input_ids");
        INDArray mask = ref.readFloat64("attention_mask");
        int b = (int) ids.size(0);
        int t = (int) ids.size(1);
        int[] i = new int[b * t];
        int[] m = new int[b * t];
        for (int k = 0; k < i.length; k++) {
            i[k] = (int) ids.getDouble(k / t, k % t);
            m[k] = (int) mask.getDouble(k / t, k % t);
        }
        return new TokenBatch(i, b, t, m, null);
    }

    private static INDArray logits(CausalLM model, TokenBatch batch) {
        try (Tape tape = Tape.inference()) {
            return model.forward(tape, batch).logits().value().dup('c');
        }
    }

    /** max |a - b| over real (unmasked) positions, relative to max |b|. */
    private static double relativeError(INDArray a, INDArray b, TokenBatch batch) {
        double diff = 0;
        double mag = 0;
        for (int i = 0; i < batch.batch(); i++) {
            for (int j = 0; j < batch.length(); j++) {
                if (batch.mask()[i * batch.length() + j] == 0) {
                    continue;
                }
                for (long v = 0; v < a.size(2); v++) {
                    diff = Math.max(diff, Math.abs(a.getDouble(i, j, v) - b.getDouble(i, j, v)));
                    mag = Math.max(mag, Math.abs(b.getDouble(i, j, v)));
                }
            }
        }
        return diff / mag;
    }

    private static void randomize(Map<String, Tensor> adapterParams, String which, long seed) {
        Random r = new Random(seed);
        adapterParams.forEach((k, t) -> {
            if (k.contains(".lora_" + which + ".")) {
                Buf p = Buf.of(t.value());
                for (int i = 0; i < t.length(); i++) {
                    p.set(i, 0.05 * r.nextGaussian());
                }
            }
        });
    }

    @Test
    void peftFixtureGivesPyTorchLogits() throws Exception {
        for (DataType dt : List.of(DataType.FLOAT, DataType.DOUBLE)) {
            CausalLM model = CausalLM.load(base("llama"), dt);
            LoraAdapter adapter = LoraAdapter.load(fixture(), model);
            assertThat(adapter.config().scale()).isEqualTo(6.0 / Math.sqrt(4));
            assertThat(adapter.targetWeights()).hasSize(7).contains("lm_head.weight",
                    "model.layers.1.mlp.down_proj.weight").doesNotContain("model.layers.0.self_attn.k_proj.weight");
            model.attach(adapter);
            try (CheckpointReader ref = CheckpointReader.open(fixture().resolve("lora_reference.safetensors"))) {
                TokenBatch batch = referenceBatch(ref);
                double err = relativeError(logits(model, batch), ref.readFloat64("logits"), batch);
                assertThat(err).as("%s logits vs PyTorch", dt).isLessThan(dt == DataType.DOUBLE ? 1e-10 : 1e-5);
                model.detach();
                double without = relativeError(logits(model, batch), ref.readFloat64("logits"), batch);
                assertThat(without).as("the adapter matters").isGreaterThan(0.1);
            }
        }
    }

    /** A one-layer Llama small enough for per-element finite differences (random init, float64, untied head). */
    static CausalLM tinyLlama() {
        ModelConfig c = ModelConfig.parse("{\"model_type\": \"llama\", \"hidden_size\": 16, \"intermediate_size\": 24,"
                + " \"num_hidden_layers\": 1, \"num_attention_heads\": 2, \"num_key_value_heads\": 1,"
                + " \"vocab_size\": 40, \"max_position_embeddings\": 32, \"rms_norm_eps\": 1e-5,"
                + " \"tie_word_embeddings\": false, \"hidden_act\": \"silu\"}", "tiny llama");
        return CausalLM.randomInit(c, 9, 0.2, DataType.DOUBLE);
    }

    @Test
    void gradientsMatchFiniteDifferencesInFloat64() {
        TokenBatch batch = new TokenBatch(new int[] {5, 17, 31, 2, 9, 37}, 2, 3, new int[] {1, 1, 1, 1, 1, 0}, null);
        for (double dropout : new double[] {0.0, 0.3}) {
            CausalLM model = tinyLlama();
            // attention, MLP and head layers with rsLoRA scaling (dropout on o_proj's input), B non-zero so A's
            // gradient is not trivially 0; a subset of layers keeps the per-element differences to a few seconds
            String targets = dropout > 0 ? ".*\\.o_proj" : ".*\\.(q_proj|down_proj)|lm_head";
            LoraAdapter adapter = LoraAdapter.create(model, new LoraConfig(2, 3, dropout, true, targets), 4);
            assertThat(adapter.targetWeights()).hasSize(dropout > 0 ? 1 : 3);
            randomize(adapter.parameters(), "B", 5);
            model.attach(adapter);
            model.parameters().values().forEach(t -> t.requiresGrad(t.name().contains(".lora_")));
            List<Tensor> checked = List.copyOf(adapter.parameters().values());
            GradCheck.Result r = GradCheck.check((tape, in) -> {
                adapter.train(11); // the same dropout masks on every evaluation
                return model.forward(tape, batch).logits();
            }, checked);
            assertThat(r.perInput()).hasSize(checked.size());
            assertThat(r.maxRelativeError()).as("dropout %s, per input %s", dropout, r.perInput()).isLessThan(1e-6);
        }
    }

    @Test
    void saveThenLoadIsBitIdenticalInPeftLayout() throws Exception {
        CausalLM model = CausalLM.load(base("llama"));
        LoraAdapter adapter = LoraAdapter.create(model, new LoraConfig(3, 16, 0, false, LoraConfig.ALL_LINEAR), 7);
        assertThat(adapter.targetWeights()).hasSize(14).doesNotContain("lm_head.weight");
        randomize(adapter.parameters(), "B", 1);
        model.attach(adapter);
        Path out = tmp.resolve("adapter");
        adapter.save(out, model);
        String config = Files.readString(out.resolve("adapter_config.json"));
        assertThat(config).contains("\"peft_type\" : \"LORA\"", "\"r\" : 3", "\"lora_alpha\" : 16.0",
                "\"use_rslora\" : false", "\"task_type\" : \"CAUSAL_LM\"");
        try (CheckpointReader st = CheckpointReader.open(out.resolve("adapter_model.safetensors"))) {
            assertThat(st.names()).contains("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
                    "base_model.model.model.layers.1.mlp.down_proj.lora_B.weight").hasSize(28);
            assertThat(st.info("base_model.model.model.layers.0.mlp.up_proj.lora_A.weight").shape())
                    .containsExactly(3, 64);
            assertThat(st.metadata()).containsEntry("format", "pt").containsKey(LoraAdapter.CHECKSUM_KEY);
        }
        TokenBatch batch = new TokenBatch(new int[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 4, new int[] {1, 1, 1, 1, 1, 1, 1, 0}, null);
        INDArray before = logits(model, batch);
        CausalLM fresh = CausalLM.load(base("llama"));
        LoraAdapter back = LoraAdapter.load(out, fresh);
        assertThat(back.config().targets()).isNotEqualTo(LoraConfig.ALL_LINEAR);
        assertThat(back.targetWeights()).containsExactlyElementsOf(adapter.targetWeights());
        fresh.attach(back);
        INDArray after = logits(fresh, batch);
        assertThat(after.data().asFloat()).containsExactly(before.data().asFloat());
    }

    @Test
    void aFreshAdapterChangesNothing() throws Exception {
        CausalLM model = CausalLM.load(base("llama"));
        TokenBatch batch = new TokenBatch(new int[] {1, 2, 3, 4}, 1, 4, new int[] {1, 1, 1, 1}, null);
        INDArray plain = logits(model, batch);
        model.attach(LoraAdapter.create(model, new LoraConfig(4, 8, 0, true, ".*_proj"), 1));
        assertThat(logits(model, batch).data().asFloat()).containsExactly(plain.data().asFloat());
    }

    @Test
    void frozenViewSharesTheBaseAndFreezesACopyOfTheAdapter() throws Exception {
        CausalLM model = CausalLM.load(base("llama"));
        LoraAdapter adapter = LoraAdapter.create(model, new LoraConfig(2, 4, 0, false, ".*_proj"), 1);
        model.attach(adapter);
        CausalLM ref = model.frozenView();
        model.weights().forEach((k, w) -> assertThat(ref.weights().get(k)).as(k).isSameAs(w));
        assertThat(ref.parameters().values()).noneMatch(Tensor::requiresGrad);
        String key = LoraAdapter.key("model.layers.0.self_attn.q_proj.weight", "B");
        assertThat(ref.parameters().get(key).value()).isNotSameAs(adapter.parameters().get(key).value());
    }

    @Test
    void mergedModelEqualsAdapterModel() throws Exception {
        // llama (nn.Linear, untied head adapted) and gpt2 (Conv1D stored [in, out]: the merge transposes B A)
        for (String family : List.of("llama", "gpt2")) {
            for (DataType dt : List.of(DataType.FLOAT, DataType.DOUBLE)) {
                CausalLM model = CausalLM.load(base(family), dt);
                LoraAdapter adapter = LoraAdapter.create(model, new LoraConfig(4, 8, 0, false, ".*"), 2);
                randomize(adapter.parameters(), "B", 3);
                model.attach(adapter);
                TokenBatch batch = new TokenBatch(new int[] {3, 1, 4, 1, 5, 9, 2, 6}, 2, 4, new int[] {1, 1, 1, 1, 1, 1, 1,
                        1}, null);
                INDArray withAdapter = logits(model, batch);
                CausalLM merged = adapter.mergeInto(model);
                assertThat(merged.adapter()).isNull();
                double err = relativeError(logits(merged, batch), withAdapter, batch);
                assertThat(err).as("%s %s merged vs adapter", family, dt).isLessThan(dt == DataType.DOUBLE ? 1e-12
                        : 1e-6);
                model.detach();
                assertThat(relativeError(logits(model, batch), withAdapter, batch)).as("adapter matters")
                        .isGreaterThan(1e-3);
            }
        }
    }

    @Test
    void badConfigsAreRefused() throws Exception {
        CausalLM model = CausalLM.load(base("llama"));
        assertThatThrownBy(() -> new LoraConfig(0, 8, 0, false, ".*")).hasMessageContaining("rank must be a positive");
        assertThatThrownBy(() -> new LoraConfig(-2, 8, 0, false, ".*")).hasMessageContaining("rank");
        assertThatThrownBy(() -> new LoraConfig(4, 8, 1.0, false, ".*")).hasMessageContaining("dropout");
        assertThatThrownBy(() -> LoraAdapter.create(model, new LoraConfig(4, 8, 0, false, ".*\\.qproj"), 0))
                .hasMessageContaining("match no linear layer").hasMessageContaining("model.layers.0.self_attn.q_proj");
        assertThatThrownBy(() -> LoraAdapter.create(model, new LoraConfig(4, 8, 0, false, "embed.*"), 0))
                .hasMessageContaining("match no linear layer");
    }

    @Test
    void adaptersForAnotherBaseAreRefused() throws Exception {
        CausalLM model = CausalLM.load(base("llama"));
        LoraAdapter adapter = LoraAdapter.create(model, new LoraConfig(2, 4, 0, false, ".*_proj"), 0);
        Path out = tmp.resolve("a");
        adapter.save(out, model);

        // same names and shapes, one weight changed: the recorded checksum differs
        Map<String, INDArray> w = new LinkedHashMap<>(model.copy().weights());
        w.get("model.norm.weight").putScalar(0, 0.5);
        CausalLM edited = new CausalLM(model.config(), w);
        assertThatThrownBy(() -> LoraAdapter.load(out, edited)).hasMessageContaining("lethe_base_sha256")
                .hasMessageContaining("different base model");

        // a different family: its layers have other names
        CausalLM gpt2 = CausalLM.load(base("gpt2"));
        Path olmoAdapterOnGpt2 = tmp.resolve("b");
        Files.createDirectories(olmoAdapterOnGpt2);
        Files.copy(fixture().resolve("adapter_config.json"), olmoAdapterOnGpt2.resolve("adapter_config.json"));
        Files.copy(fixture().resolve("adapter_model.safetensors"), olmoAdapterOnGpt2.resolve(
                "adapter_model.safetensors"));
        assertThatThrownBy(() -> LoraAdapter.load(olmoAdapterOnGpt2, gpt2)).hasMessageContaining("not a linear layer")
                .hasMessageContaining("another base");

        // same names, other shapes (the llama3 fixture has a different hidden size)
        Path llama3 = Path.of(LoraAdapterTest.class.getResource("/fixtures/llama3/config.json").toURI()).getParent();
        CausalLM other = CausalLM.load(llama3);
        assertThatThrownBy(() -> LoraAdapter.load(out, other)).hasMessageContaining("features");

        // a key that is not a LoRA weight, and a layer with A only
        Path bad = tmp.resolve("c");
        Files.createDirectories(bad);
        Files.copy(fixture().resolve("adapter_config.json"), bad.resolve("adapter_config.json"));
        SafetensorsWriter.write(bad.resolve("adapter_model.safetensors"), Map.of(
                "base_model.model.model.layers.0.self_attn.q_proj.lora_magnitude_vector", model.weights().get(
                        "model.norm.weight")));
        assertThatThrownBy(() -> LoraAdapter.load(bad, model)).hasMessageContaining("lora_magnitude_vector")
                .hasMessageContaining("adapter_model.safetensors");
        SafetensorsWriter.write(bad.resolve("adapter_model.safetensors"), Map.of(
                "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", adapter.parameters().get(
                        LoraAdapter.key("model.layers.0.self_attn.q_proj.weight", "A")).value()));
        assertThatThrownBy(() -> LoraAdapter.load(bad, model)).hasMessageContaining("has only lora_A");

        // unsupported PEFT options and a missing file
        Files.writeString(bad.resolve("adapter_config.json"), Files.readString(fixture().resolve("adapter_config.json"))
                .replace("\"use_dora\": false", "\"use_dora\": true"));
        assertThatThrownBy(() -> LoraAdapter.load(bad, model)).hasMessageContaining("use_dora");
        Files.delete(bad.resolve("adapter_config.json"));
        assertThatThrownBy(() -> LoraAdapter.load(bad, model)).hasMessageContaining("adapter_config.json: missing");
    }
}
