package dev.lethe.transformer.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lethe.engine.testing.SharedFiles;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** config.json parsing for every family, both rope forms, defaults, hostile configs and the toJson round trip. */
class ModelConfigTest {

    private static ModelConfig parse(String json) {
        return ModelConfig.parse(json, "test/config.json");
    }

    private static void assertRoundTrip(ModelConfig c) {
        assertThat(parse(c.toJson())).isEqualTo(c);
    }

    @Test
    void gpt2Fixture() throws Exception {
        ModelConfig c = ModelConfig.load(SharedFiles.path("fixtures/hf/gpt2"));
        assertThat(c.family()).isEqualTo(ModelFamily.GPT2);
        assertThat(c.architectures()).containsExactly("GPT2LMHeadModel");
        assertThat(c.hiddenSize()).isEqualTo(64);
        assertThat(c.numLayers()).isEqualTo(2);
        assertThat(c.numHeads()).isEqualTo(4);
        assertThat(c.numKvHeads()).isEqualTo(4);
        assertThat(c.headDim()).isEqualTo(16);
        assertThat(c.intermediateSize()).isEqualTo(256); // n_inner null -> 4 * n_embd
        assertThat(c.maxPositionEmbeddings()).isEqualTo(128);
        assertThat(c.vocabSize()).isEqualTo(512);
        assertThat(c.normEps()).isEqualTo(1e-5);
        assertThat(c.activation()).isEqualTo("gelu_new");
        assertThat(c.tieWordEmbeddings()).isTrue();
        assertThat(c.qkvBias()).isTrue();
        assertThat(c.mlpBias()).isTrue();
        assertThat(c.rope()).isNull();
        assertThat(c.bosTokenId()).isEqualTo(1);
        assertThat(c.eosTokenIds()).containsExactly(2);
        assertThat(c.padTokenId()).isNull();
        assertThat(c.torchDtype()).isEqualTo("float32");
        assertRoundTrip(c);
    }

    @Test
    void llamaFixtureInTransformers5Form() throws Exception {
        ModelConfig c = ModelConfig.load(SharedFiles.path("fixtures/hf/llama/config.json"));
        assertThat(c.family()).isEqualTo(ModelFamily.LLAMA);
        assertThat(c.numHeads()).isEqualTo(4);
        assertThat(c.numKvHeads()).isEqualTo(2);
        assertThat(c.groupSize()).isEqualTo(2);
        assertThat(c.headDim()).isEqualTo(16);
        assertThat(c.intermediateSize()).isEqualTo(128);
        assertThat(c.normEps()).isEqualTo(1e-5);
        assertThat(c.activation()).isEqualTo("silu");
        assertThat(c.tieWordEmbeddings()).isFalse();
        assertThat(c.qkvBias()).isFalse();
        assertThat(c.outputBias()).isFalse();
        assertThat(c.mlpBias()).isFalse();
        assertThat(c.rope()).isEqualTo(RopeScaling.defaults(10000.0, 1.0));
        assertThat(c.padTokenId()).isEqualTo(0);
        assertRoundTrip(c);
    }

    @Test
    void olmoFixture() throws Exception {
        ModelConfig c = ModelConfig.load(SharedFiles.path("fixtures/hf/olmo"));
        assertThat(c.family()).isEqualTo(ModelFamily.OLMO);
        assertThat(c.numKvHeads()).isEqualTo(4);
        assertThat(c.normEps()).isEqualTo(1e-5);
        assertThat(c.clipQkv()).isNull();
        assertThat(c.qkNorm()).isFalse();
        assertThat(c.rope().theta()).isEqualTo(10000.0);
        assertThat(c.bosTokenId()).isEqualTo(1);
        assertThat(c.eosTokenIds()).containsExactly(2);
        assertRoundTrip(c);
    }

    private static final String LLAMA31_V4 = """
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096,
             "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32,
             "num_key_value_heads": 8, "vocab_size": 128256, "max_position_embeddings": 131072,
             "rms_norm_eps": 1e-05, "hidden_act": "silu", "rope_theta": 500000.0,
             "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                              "original_max_position_embeddings": 8192, "rope_type": "llama3"},
             "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009], "torch_dtype": "bfloat16"}
            """;

    private static final String LLAMA31_V5 = """
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096,
             "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32,
             "num_key_value_heads": 8, "vocab_size": 128256, "max_position_embeddings": 131072,
             "rms_norm_eps": 1e-05, "hidden_act": "silu",
             "rope_parameters": {"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0,
                                 "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                 "original_max_position_embeddings": 8192},
             "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009], "dtype": "bfloat16"}
            """;

    @Test
    void llama3RopeScalingInBothForms() {
        ModelConfig v4 = parse(LLAMA31_V4);
        ModelConfig v5 = parse(LLAMA31_V5);
        assertThat(v4).isEqualTo(v5);
        assertThat(v4.rope()).isEqualTo(RopeScaling.llama3(500000.0, 8.0, 1.0, 4.0, 8192, 1.0));
        assertThat(v4.headDim()).isEqualTo(128);
        assertThat(v4.numKvHeads()).isEqualTo(8);
        assertThat(v4.eosTokenIds()).containsExactly(128001, 128008, 128009);
        assertThat(v4.tieWordEmbeddings()).isFalse();
        assertRoundTrip(v4);
        // Llama 3.2 1B ties embeddings and sets rope factor 32
        ModelConfig l32 = parse(LLAMA31_V4.replace("\"factor\": 8.0", "\"factor\": 32.0")
                .replace("\"torch_dtype\"", "\"tie_word_embeddings\": true, \"torch_dtype\""));
        assertThat(l32.rope().factor()).isEqualTo(32.0);
        assertThat(l32.tieWordEmbeddings()).isTrue();
    }

    @Test
    void legacyLinearScalingAndLlama2Defaults() {
        ModelConfig c = parse("""
                {"model_type": "llama", "hidden_size": 64, "intermediate_size": 172, "num_hidden_layers": 2,
                 "num_attention_heads": 8, "vocab_size": 32000, "rope_scaling": {"type": "linear", "factor": 4.0}}
                """);
        assertThat(c.rope()).isEqualTo(RopeScaling.linear(10000.0, 4.0, 1.0));
        assertThat(c.numKvHeads()).isEqualTo(8);
        assertThat(c.headDim()).isEqualTo(8);
        assertThat(c.maxPositionEmbeddings()).isEqualTo(2048);
        assertThat(c.normEps()).isEqualTo(1e-6);
        assertThat(c.bosTokenId()).isEqualTo(1);
        assertThat(c.eosTokenIds()).containsExactly(2);
        assertThat(c.architectures()).isEmpty();
        assertRoundTrip(c);
        ModelConfig biased = parse("""
                {"model_type": "llama", "hidden_size": 64, "intermediate_size": 172, "num_hidden_layers": 2,
                 "num_attention_heads": 8, "vocab_size": 32000, "attention_bias": true, "mlp_bias": true}
                """);
        assertThat(biased.qkvBias()).isTrue();
        assertThat(biased.outputBias()).isTrue();
        assertThat(biased.mlpBias()).isTrue();
        assertRoundTrip(biased);
    }

    @Test
    void mistral() {
        ModelConfig c = parse("""
                {"architectures": ["MistralForCausalLM"], "model_type": "mistral", "hidden_size": 128,
                 "intermediate_size": 256, "num_hidden_layers": 2, "num_attention_heads": 8,
                 "vocab_size": 1000, "rope_theta": 1000000.0}
                """);
        assertThat(c.family()).isEqualTo(ModelFamily.MISTRAL);
        assertThat(c.numKvHeads()).isEqualTo(8); // MistralConfig default
        assertThat(c.slidingWindow()).isEqualTo(4096);
        assertThat(c.maxPositionEmbeddings()).isEqualTo(131072);
        assertThat(c.rope().theta()).isEqualTo(1e6);
        assertThat(c.qkvBias()).isFalse();
        assertRoundTrip(c);
        ModelConfig noWindow = parse("""
                {"model_type": "mistral", "hidden_size": 128, "intermediate_size": 256, "num_hidden_layers": 2,
                 "num_attention_heads": 8, "num_key_value_heads": 2, "vocab_size": 1000, "sliding_window": null}
                """);
        assertThat(noWindow.slidingWindow()).isNull();
        assertThat(noWindow.numKvHeads()).isEqualTo(2);
        assertRoundTrip(noWindow);
    }

    @Test
    void qwen2HasQkvBiasButNoOutputBias() {
        ModelConfig c = parse("""
                {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 896,
                 "intermediate_size": 4864, "num_hidden_layers": 24, "num_attention_heads": 14,
                 "num_key_value_heads": 2, "vocab_size": 151936, "max_position_embeddings": 32768,
                 "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "tie_word_embeddings": true,
                 "use_sliding_window": false, "sliding_window": 32768, "bos_token_id": 151643,
                 "eos_token_id": 151643}
                """);
        assertThat(c.family()).isEqualTo(ModelFamily.QWEN2);
        assertThat(c.qkvBias()).isTrue();
        assertThat(c.outputBias()).isFalse();
        assertThat(c.mlpBias()).isFalse();
        assertThat(c.headDim()).isEqualTo(64);
        assertThat(c.slidingWindow()).isNull();
        assertThat(c.tieWordEmbeddings()).isTrue();
        assertThat(c.padTokenId()).isNull();
        assertRoundTrip(c);
    }

    @Test
    void olmoClipQkvAndOlmo2QkNorm() {
        ModelConfig olmo = parse("""
                {"model_type": "olmo", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
                 "num_attention_heads": 4, "vocab_size": 512, "clip_qkv": 8.0}
                """);
        assertThat(olmo.clipQkv()).isEqualTo(8.0);
        assertThat(olmo.normEps()).isEqualTo(1e-5);
        assertThat(olmo.padTokenId()).isEqualTo(1);
        assertThat(olmo.eosTokenIds()).containsExactly(50279);
        assertThat(olmo.bosTokenId()).isNull();
        assertRoundTrip(olmo);
        ModelConfig olmo2 = parse("""
                {"architectures": ["Olmo2ForCausalLM"], "model_type": "olmo2", "hidden_size": 64,
                 "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
                 "vocab_size": 512, "rope_theta": 500000}
                """);
        assertThat(olmo2.family()).isEqualTo(ModelFamily.OLMO2);
        assertThat(olmo2.qkNorm()).isTrue();
        assertThat(olmo2.normEps()).isEqualTo(1e-5);
        assertThat(olmo2.rope().theta()).isEqualTo(500000.0);
        assertRoundTrip(olmo2);
    }

    @Test
    void phiPartialRotaryAndBiases() {
        ModelConfig c = parse("""
                {"architectures": ["PhiForCausalLM"], "model_type": "phi", "hidden_size": 2560,
                 "intermediate_size": 10240, "num_hidden_layers": 32, "num_attention_heads": 32,
                 "vocab_size": 51200, "layer_norm_eps": 1e-05, "partial_rotary_factor": 0.4,
                 "hidden_act": "gelu_new", "bos_token_id": 50256, "eos_token_id": 50256}
                """);
        assertThat(c.family()).isEqualTo(ModelFamily.PHI);
        assertThat(c.rope().partialRotaryFactor()).isEqualTo(0.4);
        assertThat(RopeFrequencies.rotaryDim(c.headDim(), 0.4)).isEqualTo(32);
        assertThat(RopeFrequencies.inverseFrequencies(c)).hasSize(16);
        assertThat(c.qkvBias()).isTrue();
        assertThat(c.outputBias()).isTrue();
        assertThat(c.mlpBias()).isTrue();
        assertThat(c.lmHeadBias()).isTrue();
        assertThat(c.qkNorm()).isFalse();
        assertRoundTrip(c);
        ModelConfig defaults = parse("""
                {"model_type": "phi", "hidden_size": 64, "intermediate_size": 256, "num_hidden_layers": 2,
                 "num_attention_heads": 4, "vocab_size": 512}
                """);
        assertThat(defaults.rope().partialRotaryFactor()).isEqualTo(0.5);
        assertThat(defaults.activation()).isEqualTo("gelu_new");
        assertThat(defaults.normEps()).isEqualTo(1e-5);
        assertThat(defaults.tieWordEmbeddings()).isFalse();
        assertRoundTrip(defaults);
    }

    @Test
    void gemmaDefaults() {
        ModelConfig c = parse("""
                {"architectures": ["GemmaForCausalLM"], "model_type": "gemma", "hidden_size": 2048,
                 "intermediate_size": 16384, "num_hidden_layers": 18, "num_attention_heads": 8,
                 "num_key_value_heads": 1, "vocab_size": 256000, "hidden_act": "gelu"}
                """);
        assertThat(c.family()).isEqualTo(ModelFamily.GEMMA);
        assertThat(c.headDim()).isEqualTo(256);
        assertThat(c.activation()).isEqualTo("gelu_pytorch_tanh");
        assertThat(c.tieWordEmbeddings()).isTrue();
        assertThat(c.normEps()).isEqualTo(1e-6);
        assertThat(c.maxPositionEmbeddings()).isEqualTo(8192);
        assertThat(c.bosTokenId()).isEqualTo(2);
        assertThat(c.eosTokenIds()).containsExactly(1);
        assertThat(c.padTokenId()).isEqualTo(0);
        assertRoundTrip(c);
    }

    @Test
    void familyFromArchitecturesWhenModelTypeIsMissing() {
        ModelConfig c = parse("""
                {"architectures": ["Qwen2ForCausalLM"], "hidden_size": 64, "intermediate_size": 128,
                 "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 4, "vocab_size": 100}
                """);
        assertThat(c.family()).isEqualTo(ModelFamily.QWEN2);
        assertThat(c.modelType()).isEqualTo("qwen2");
    }

    private static void assertBad(String json, String... fragments) {
        var a = assertThatThrownBy(() -> parse(json)).isInstanceOf(ConfigFormatException.class)
                .hasMessageContaining("test/config.json");
        for (String f : fragments) {
            a.hasMessageContaining(f);
        }
    }

    private static final String TINY = "\"hidden_size\": 64, \"intermediate_size\": 128, \"num_hidden_layers\": 2,"
            + " \"num_attention_heads\": 4, \"vocab_size\": 100";

    @Test
    void hostileConfigs() {
        assertBad("{\"model_type\": \"mamba\", " + TINY + "}", "field 'model_type' is 'mamba', which Lethe does"
                + " not support", "supported model types are [gpt2, llama, mistral, qwen2, olmo, olmo2, phi, gemma]");
        assertBad("{" + TINY + "}", "required field 'model_type' is missing");
        assertBad("{\"model_type\": \"llama\", " + TINY.replace("\"hidden_size\": 64, ", "") + "}",
                "required field 'hidden_size' (model width) is missing", "add it to config.json");
        assertBad("{\"model_type\": \"llama\", " + TINY.replace("\"hidden_size\": 64", "\"hidden_size\": \"64\"")
                + "}", "field 'hidden_size' must be an integer but is \"64\" (a string)");
        assertBad("{\"model_type\": \"gpt2\", \"n_embd\": 64, \"n_head\": 4, \"vocab_size\": 10}",
                "required field 'n_layer' (number of blocks) is missing");
        assertBad("{\"model_type\": \"llama\", " + TINY.replace("64", "-64") + "}",
                "field 'hidden_size' must be > 0 but is -64");
        assertBad("{\"model_type\": \"llama\", \"tie_word_embeddings\": \"yes\", " + TINY + "}",
                "field 'tie_word_embeddings' must be a boolean");
        assertBad("{\"model_type\": \"llama\", \"rms_norm_eps\": \"1e-5\", " + TINY + "}",
                "field 'rms_norm_eps' must be a number");
        assertBad("[1, 2]", "must be a JSON object");
        assertBad("{\"model_type\": ", "not well-formed JSON");
        assertBad("{\"model_type\": \"llama\", \"architectures\": [\"GPT2LMHeadModel\"], " + TINY + "}",
                "field 'architectures' says GPT2LMHeadModel (gpt2) but model_type is 'llama'");
        assertBad("{\"model_type\": \"llama\", \"num_key_value_heads\": 3, " + TINY + "}",
                "field 'num_key_value_heads' (3) does not divide num_attention_heads (4)");
        assertBad("{\"model_type\": \"llama\", \"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4.0}, "
                + TINY + "}", "field 'rope_scaling.rope_type' is 'yarn'", "supported rope types are default,"
                + " linear and llama3");
        assertBad("{\"model_type\": \"llama\", \"rope_parameters\": {\"rope_type\": \"llama3\", \"rope_theta\":"
                + " 500000.0, \"factor\": 8.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0}, " + TINY + "}",
                "field 'rope_parameters.original_max_position_embeddings' is missing");
        assertBad("{\"model_type\": \"llama\", \"rope_scaling\": {\"rope_type\": \"linear\"}, " + TINY + "}",
                "required field 'rope_scaling.factor' is missing");
        assertBad("{\"model_type\": \"llama\", \"rope_theta\": 10000.0, \"rope_parameters\": {\"rope_type\":"
                + " \"default\", \"rope_theta\": 500000.0}, " + TINY + "}", "disagrees with rope_parameters.rope_theta");
        assertBad("{\"model_type\": \"llama\", \"eos_token_id\": [1, \"x\"], " + TINY + "}",
                "field 'eos_token_id' must be an integer or a list of integers");
        byte[] latin1 = "{\"model_type\": \"llam\u00e4\"}".getBytes(StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> ModelConfig.parse(latin1, "x/config.json"))
                .isInstanceOf(ConfigFormatException.class).hasMessageContaining("x/config.json: not valid UTF-8");
    }

    @Test
    void missingFile() {
        assertThatThrownBy(() -> ModelConfig.load(java.nio.file.Path.of("/nonexistent-dir/config.json")))
                .isInstanceOf(ConfigFormatException.class).hasMessageContaining("no such file");
    }

    @Test
    void toJsonKeepsIdentityFields() throws Exception {
        ModelConfig c = parse(LLAMA31_V5);
        var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(c.toJson());
        assertThat(node.get("model_type").asText()).isEqualTo("llama");
        assertThat(node.get("architectures").get(0).asText()).isEqualTo("LlamaForCausalLM");
        assertThat(node.get("rope_theta").asDouble()).isEqualTo(500000.0);
        assertThat(node.get("rope_scaling").get("rope_type").asText()).isEqualTo("llama3");
        assertThat(node.get("eos_token_id").size()).isEqualTo(3);
        assertThat(List.of(node.get("torch_dtype").asText())).containsExactly("bfloat16");
    }
}
