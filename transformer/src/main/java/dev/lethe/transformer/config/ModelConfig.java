package dev.lethe.transformer.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The architecture of a decoder-only model, normalised from a Hugging Face {@code config.json} in transformers-4 form
 * (top-level {@code rope_theta}, {@code rope_scaling}) or transformers-5 form ({@code rope_parameters}), for the
 * families of {@link ModelFamily}. Field names are unified (GPT-2's {@code n_embd}, {@code n_layer}, {@code n_head},
 * {@code n_positions}, {@code n_inner}, {@code activation_function}, {@code layer_norm_epsilon} become
 * {@code hiddenSize}, {@code numLayers}, ...). Absent optional fields take the defaults of the transformers config class
 * of the family (assumed from transformers 4.4x/5.x): context 1024 (gpt2), 2048 (llama, olmo, olmo2, phi), 131072
 * (mistral), 32768 (qwen2), 8192 (gemma); {@code num_key_value_heads} = heads, except 8 (mistral), 32 (qwen2), 16
 * (gemma); {@code head_dim} = hidden / heads except 256 (gemma); norm eps 1e-5 (gpt2, olmo (fixed), olmo2, phi), 1e-6
 * (llama, mistral, qwen2, gemma); activation gelu_new (gpt2, phi), gelu_pytorch_tanh (gemma, from
 * {@code hidden_activation}), silu (others); tied embeddings for gpt2 and gemma only; q/k/v biases for gpt2, phi,
 * qwen2 (and where {@code attention_bias} is true), output-projection bias for gpt2, phi (and {@code attention_bias}),
 * MLP bias for gpt2, phi (and llama's {@code mlp_bias}), lm_head bias for phi; rope theta 10000; phi rotates half of
 * each head ({@code partial_rotary_factor} 0.5); olmo2 normalises q and k; mistral's sliding window 4096, qwen2's only
 * when {@code use_sliding_window}. The size fields ({@code hidden_size}, {@code num_hidden_layers},
 * {@code num_attention_heads}, {@code vocab_size}, and {@code intermediate_size} except for gpt2) are required: a
 * config without them is treated as broken rather than silently given a 7B-model default. Instances are immutable.
 *
 * @param family                the model family
 * @param modelType             the {@code model_type} string
 * @param architectures         the {@code architectures} list (may be empty)
 * @param vocabSize             vocabulary size
 * @param hiddenSize            model width
 * @param intermediateSize      MLP width
 * @param numLayers             number of decoder blocks
 * @param numHeads              query heads
 * @param numKvHeads            key/value heads (GQA when smaller than numHeads)
 * @param headDim               size of each head
 * @param maxPositionEmbeddings context length the model was built for
 * @param normEps               epsilon of the layer/RMS norms
 * @param activation            MLP activation name as transformers spells it (silu, gelu_new, gelu_pytorch_tanh, ...)
 * @param tieWordEmbeddings     whether lm_head shares the embedding matrix
 * @param qkvBias               whether the q, k, v projections have biases
 * @param outputBias            whether the attention output projection has a bias
 * @param mlpBias               whether the MLP projections have biases
 * @param lmHeadBias            whether lm_head has a bias (phi)
 * @param qkNorm                whether q and k are normalised before RoPE (olmo2, phi with qk_layernorm)
 * @param clipQkv               olmo's clamp of q, k, v to [-c, c], or null for none
 * @param slidingWindow         sliding-window attention width, or null for full attention
 * @param rope                  RoPE settings, or null for learned positions (gpt2)
 * @param bosTokenId            beginning-of-sequence id, or null
 * @param eosTokenIds           end-of-sequence ids (HF allows one or a list), possibly empty
 * @param padTokenId            padding id, or null
 * @param torchDtype            the stored {@code dtype}/{@code torch_dtype} string, or null
 */
public record ModelConfig(ModelFamily family, String modelType, List<String> architectures, int vocabSize,
                          int hiddenSize, int intermediateSize, int numLayers, int numHeads, int numKvHeads,
                          int headDim, int maxPositionEmbeddings, double normEps, String activation,
                          boolean tieWordEmbeddings, boolean qkvBias, boolean outputBias, boolean mlpBias,
                          boolean lmHeadBias, boolean qkNorm, Double clipQkv, Integer slidingWindow, RopeScaling rope,
                          Integer bosTokenId, List<Integer> eosTokenIds, Integer padTokenId, String torchDtype) {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Copies the lists so the record stays immutable. */
    public ModelConfig {
        architectures = List.copyOf(architectures);
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    /** Reads and parses a {@code config.json} file (or the {@code config.json} inside a model folder). */
    public static ModelConfig load(Path fileOrDir) throws IOException {
        Path file = Files.isDirectory(fileOrDir) ? fileOrDir.resolve("config.json") : fileOrDir;
        if (!Files.isRegularFile(file)) {
            throw new ConfigFormatException(file + ": no such file; a Hugging Face model folder holds its"
                    + " architecture in config.json.");
        }
        return parse(Files.readAllBytes(file), file.toString());
    }

    /** Parses {@code config.json} bytes, which must be UTF-8; {@code source} names the file in messages. */
    public static ModelConfig parse(byte[] utf8, String source) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(utf8)).toString();
        } catch (CharacterCodingException e) {
            throw new ConfigFormatException(source + ": not valid UTF-8 (" + e.getMessage() + "); re-save config.json"
                    + " as UTF-8 JSON.", e);
        }
        return parse(text, source);
    }

    /** Parses {@code config.json} text; {@code source} names the file in messages (e.g. its path). */
    public static ModelConfig parse(String json, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ConfigFormatException(source + ": not well-formed JSON (" + e.getOriginalMessage() + "); fix"
                    + " the syntax or re-save config.json with save_pretrained().", e);
        }
        if (root == null || !root.isObject()) {
            throw new ConfigFormatException(source + ": must be a JSON object of configuration fields; re-save"
                    + " config.json with save_pretrained().");
        }
        return ConfigParser.parse(new ConfigFields((ObjectNode) root, source));
    }

    /** Number of query heads sharing each key/value head. */
    public int groupSize() {
        return numHeads / numKvHeads;
    }

    /** The config as transformers-4-style JSON (family field names, top-level rope_theta and rope_scaling). */
    public ObjectNode toJsonNode() {
        ObjectNode o = JSON.createObjectNode();
        ArrayNode arch = o.putArray("architectures");
        architectures.forEach(arch::add);
        o.put("model_type", modelType);
        if (family == ModelFamily.GPT2) {
            o.put("vocab_size", vocabSize);
            o.put("n_embd", hiddenSize);
            o.put("n_inner", intermediateSize);
            o.put("n_layer", numLayers);
            o.put("n_head", numHeads);
            o.put("n_positions", maxPositionEmbeddings);
            o.put("layer_norm_epsilon", normEps);
            o.put("activation_function", activation);
        } else {
            o.put("vocab_size", vocabSize);
            o.put("hidden_size", hiddenSize);
            o.put("intermediate_size", intermediateSize);
            o.put("num_hidden_layers", numLayers);
            o.put("num_attention_heads", numHeads);
            o.put("num_key_value_heads", numKvHeads);
            o.put("head_dim", headDim);
            o.put("max_position_embeddings", maxPositionEmbeddings);
            switch (family) {
                case PHI -> o.put("layer_norm_eps", normEps);
                case OLMO -> {
                }
                default -> o.put("rms_norm_eps", normEps);
            }
            if (family == ModelFamily.GEMMA) {
                o.put("hidden_activation", activation);
            }
            o.put("hidden_act", activation);
            switch (family) {
                case LLAMA, MISTRAL, OLMO, OLMO2, GEMMA -> o.put("attention_bias", qkvBias);
                default -> {
                }
            }
            if (family == ModelFamily.LLAMA) {
                o.put("mlp_bias", mlpBias);
            }
            if (family == ModelFamily.PHI) {
                o.put("qk_layernorm", qkNorm);
            }
            if (family == ModelFamily.OLMO) {
                if (clipQkv == null) {
                    o.putNull("clip_qkv");
                } else {
                    o.put("clip_qkv", clipQkv);
                }
            }
            if (family == ModelFamily.MISTRAL) {
                if (slidingWindow == null) {
                    o.putNull("sliding_window");
                } else {
                    o.put("sliding_window", slidingWindow);
                }
            }
            if (family == ModelFamily.QWEN2) {
                o.put("use_sliding_window", slidingWindow != null);
                if (slidingWindow != null) {
                    o.put("sliding_window", slidingWindow);
                }
            }
            o.put("rope_theta", rope.theta());
            if (family == ModelFamily.PHI || rope.partialRotaryFactor() != 1.0) {
                o.put("partial_rotary_factor", rope.partialRotaryFactor());
            }
            if (rope.isDefault()) {
                o.putNull("rope_scaling");
            } else {
                ObjectNode rs = o.putObject("rope_scaling");
                rs.put("rope_type", rope.type());
                rs.put("factor", rope.factor());
                if (rope.type().equals("llama3")) {
                    rs.put("low_freq_factor", rope.lowFreqFactor());
                    rs.put("high_freq_factor", rope.highFreqFactor());
                    rs.put("original_max_position_embeddings", rope.originalMaxPositionEmbeddings());
                }
            }
        }
        o.put("tie_word_embeddings", tieWordEmbeddings);
        putNullable(o, "bos_token_id", bosTokenId);
        if (eosTokenIds.isEmpty()) {
            o.putNull("eos_token_id");
        } else if (eosTokenIds.size() == 1) {
            o.put("eos_token_id", eosTokenIds.get(0));
        } else {
            ArrayNode eos = o.putArray("eos_token_id");
            eosTokenIds.forEach(eos::add);
        }
        putNullable(o, "pad_token_id", padTokenId);
        if (torchDtype != null) {
            o.put("torch_dtype", torchDtype);
        }
        return o;
    }

    /** The config as pretty-printed transformers-4-style {@code config.json} text. */
    public String toJson() {
        try {
            return PRETTY.writeValueAsString(toJsonNode()) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes {@code config.json} text to a file. */
    public void save(Path file) throws IOException {
        Files.writeString(file, toJson(), StandardCharsets.UTF_8);
    }

    private static void putNullable(ObjectNode o, String field, Integer v) {
        if (v == null) {
            o.putNull(field);
        } else {
            o.put(field, v);
        }
    }

    /** Helper for building lists in the parser. */
    static List<Integer> list(Integer... values) {
        List<Integer> out = new ArrayList<>();
        for (Integer v : values) {
            if (v != null) {
                out.add(v);
            }
        }
        return out;
    }
}
