package dev.lethe.transformer.config;

import java.util.List;

/**
 * Package-private: turns the fields of a {@code config.json} into a {@link ModelConfig}, family by family, applying
 * the defaults documented on {@link ModelConfig}.
 */
final class ConfigParser {
    private ConfigParser() {
    }

    static ModelConfig parse(ConfigFields c) {
        ModelFamily family = family(c);
        List<String> archs = c.stringList("architectures");
        String modelType = family.modelType();
        String dtype = c.string(null, "torch_dtype", "dtype");
        List<Integer> eos;
        Integer bos;
        Integer pad;
        if (family == ModelFamily.GPT2) {
            int hidden = c.requiredPositiveInt("model width", "n_embd", "hidden_size");
            int layers = c.requiredPositiveInt("number of blocks", "n_layer", "num_hidden_layers");
            int heads = c.requiredPositiveInt("attention heads", "n_head", "num_attention_heads");
            int vocab = c.requiredPositiveInt("vocabulary size", "vocab_size");
            int inner = c.positiveInt(4 * hidden, "n_inner");
            int positions = c.positiveInt(1024, "n_positions", "max_position_embeddings");
            double eps = c.number(1e-5, "layer_norm_epsilon");
            String act = c.string("gelu_new", "activation_function");
            boolean tie = c.bool(true, "tie_word_embeddings");
            if (hidden % heads != 0) {
                throw c.error("n_embd", "(" + hidden + ") is not divisible by n_head (" + heads + ")",
                        "GPT-2 needs n_embd = n_head * head size.");
            }
            bos = c.has("bos_token_id") ? c.optionalInt("bos_token_id") : (c.hasExplicitNull("bos_token_id") ? null
                    : 50256);
            eos = c.has("eos_token_id") || c.hasExplicitNull("eos_token_id") ? c.intOrIntList("eos_token_id")
                    : List.of(50256);
            pad = c.optionalInt("pad_token_id");
            return new ModelConfig(family, modelType, archs, vocab, hidden, inner, layers, heads, heads,
                    hidden / heads, positions, eps, act, tie, true, true, true, false, false, null, null, null, bos,
                    eos, pad, dtype);
        }
        int hidden = c.requiredPositiveInt("model width", "hidden_size");
        int layers = c.requiredPositiveInt("number of blocks", "num_hidden_layers");
        int heads = c.requiredPositiveInt("attention heads", "num_attention_heads");
        int vocab = c.requiredPositiveInt("vocabulary size", "vocab_size");
        int inter = c.requiredPositiveInt("MLP width", "intermediate_size");
        int kvDefault = switch (family) {
            case MISTRAL -> 8;
            case QWEN2 -> 32;
            case GEMMA -> 16;
            default -> heads;
        };
        int kv = c.positiveInt(kvDefault, "num_key_value_heads");
        Integer headDimField = c.has("head_dim") ? c.positiveInt(0, "head_dim") : null;
        int headDim;
        if (headDimField != null) {
            headDim = headDimField;
        } else if (family == ModelFamily.GEMMA) {
            headDim = 256;
        } else {
            if (hidden % heads != 0) {
                throw c.error("hidden_size", "(" + hidden + ") is not divisible by num_attention_heads (" + heads
                        + ")", "set head_dim explicitly or fix the sizes.");
            }
            headDim = hidden / heads;
        }
        if (heads % kv != 0) {
            throw c.error("num_key_value_heads", "(" + kv + ") does not divide num_attention_heads (" + heads + ")",
                    "grouped-query attention needs num_attention_heads to be a multiple of num_key_value_heads.");
        }
        int positions = c.positiveInt(switch (family) {
            case MISTRAL -> 4096 * 32;
            case QWEN2 -> 32768;
            case GEMMA -> 8192;
            default -> 2048;
        }, "max_position_embeddings");
        double eps = switch (family) {
            case OLMO -> 1e-5; // OLMo's LayerNorm has no weights and a fixed eps of 1e-5
            case PHI -> c.number(1e-5, "layer_norm_eps");
            case OLMO2 -> c.number(1e-5, "rms_norm_eps");
            default -> c.number(1e-6, "rms_norm_eps");
        };
        String act = switch (family) {
            case PHI -> c.string("gelu_new", "hidden_act");
            case GEMMA -> c.string("gelu_pytorch_tanh", "hidden_activation");
            default -> c.string("silu", "hidden_act");
        };
        boolean tie = c.bool(family == ModelFamily.GEMMA, "tie_word_embeddings");
        boolean attnBias = c.bool(false, "attention_bias");
        boolean qkvBias = switch (family) {
            case QWEN2, PHI -> true;
            default -> attnBias;
        };
        boolean outBias = family == ModelFamily.PHI || (family != ModelFamily.QWEN2 && attnBias);
        boolean mlpBias = family == ModelFamily.PHI || (family == ModelFamily.LLAMA && c.bool(false, "mlp_bias"));
        boolean lmHeadBias = family == ModelFamily.PHI;
        boolean qkNorm = family == ModelFamily.OLMO2 || (family == ModelFamily.PHI && c.bool(false, "qk_layernorm"));
        Double clip = null;
        if (c.has("clip_qkv")) {
            double v = c.numberValue("clip_qkv");
            if (v <= 0) {
                throw c.error("clip_qkv", "must be > 0 or null but is " + v, "use null for no clipping.");
            }
            clip = v;
        }
        Integer window = null;
        if (family == ModelFamily.MISTRAL) {
            window = c.hasExplicitNull("sliding_window") ? null : c.positiveInt(4096, "sliding_window");
        } else if (family == ModelFamily.QWEN2 && c.bool(false, "use_sliding_window")) {
            window = c.positiveInt(4096, "sliding_window");
        }
        RopeScaling rope = rope(c, family);
        switch (family) {
            case LLAMA, MISTRAL, PHI -> {
                bos = defaultedInt(c, "bos_token_id", 1);
                eos = defaultedIntList(c, "eos_token_id", 2);
                pad = c.optionalInt("pad_token_id");
            }
            case OLMO, OLMO2 -> {
                bos = c.optionalInt("bos_token_id");
                eos = defaultedIntList(c, "eos_token_id", 50279);
                pad = defaultedInt(c, "pad_token_id", 1);
            }
            case GEMMA -> {
                bos = defaultedInt(c, "bos_token_id", 2);
                eos = defaultedIntList(c, "eos_token_id", 1);
                pad = defaultedInt(c, "pad_token_id", 0);
            }
            default -> {
                bos = c.optionalInt("bos_token_id");
                eos = c.intOrIntList("eos_token_id");
                pad = c.optionalInt("pad_token_id");
            }
        }
        return new ModelConfig(family, modelType, archs, vocab, hidden, inter, layers, heads, kv, headDim, positions,
                eps, act, tie, qkvBias, outBias, mlpBias, lmHeadBias, qkNorm, clip, window, rope, bos, eos, pad, dtype);
    }

    private static Integer defaultedInt(ConfigFields c, String field, int def) {
        if (c.hasExplicitNull(field)) {
            return null;
        }
        return c.has(field) ? c.optionalInt(field) : Integer.valueOf(def);
    }

    private static List<Integer> defaultedIntList(ConfigFields c, String field, int def) {
        if (!c.has(field) && !c.hasExplicitNull(field)) {
            return List.of(def);
        }
        return c.intOrIntList(field);
    }

    private static ModelFamily family(ConfigFields c) {
        String mt = c.string(null, "model_type");
        List<String> archs = c.stringList("architectures");
        ModelFamily fromArch = archs.isEmpty() ? null : ModelFamily.fromArchitecture(archs.get(0));
        if (mt != null) {
            ModelFamily f = ModelFamily.fromModelType(mt);
            if (f == null) {
                throw c.error("model_type", "is '" + mt + "', which Lethe does not support",
                        "supported model types are " + ModelFamily.modelTypes() + ".");
            }
            if (fromArch != null && fromArch != f) {
                throw c.error("architectures", "says " + archs.get(0) + " (" + fromArch.modelType()
                        + ") but model_type is '" + mt + "'", "make the two agree (" + f.architecture() + " for '"
                        + mt + "').");
            }
            return f;
        }
        if (!archs.isEmpty()) {
            if (fromArch == null) {
                throw c.error("architectures", "is " + archs + ", which Lethe does not support, and model_type is"
                        + " missing", "supported model types are " + ModelFamily.modelTypes() + ".");
            }
            return fromArch;
        }
        throw new ConfigFormatException(c.source + ": required field 'model_type' is missing (and no"
                + " 'architectures'); add e.g. \"model_type\": \"llama\" (supported: " + ModelFamily.modelTypes()
                + ").");
    }

    private static RopeScaling rope(ConfigFields c, ModelFamily family) {
        double partialDefault = family == ModelFamily.PHI ? 0.5 : 1.0;
        ConfigFields params = c.object("rope_parameters");
        ConfigFields scaling;
        double theta;
        double partial;
        if (params != null) {
            if (!params.has("rope_type") && !params.has("type") && !params.has("rope_theta")) {
                throw c.error("rope_parameters", "has neither rope_type nor rope_theta (per-layer-type rope"
                        + " parameters are not supported for " + family.modelType() + ")",
                        "write {\"rope_type\": \"default\", \"rope_theta\": 10000.0}.");
            }
            theta = params.number(c.number(10000.0, "rope_theta"), "rope_theta");
            if (c.has("rope_theta") && c.numberValue("rope_theta") != theta) {
                throw c.error("rope_theta", "(" + c.numberValue("rope_theta") + ") disagrees with"
                        + " rope_parameters.rope_theta (" + theta + ")", "keep one of them, or make them equal.");
            }
            scaling = params;
            partial = params.number(c.number(partialDefault, "partial_rotary_factor"), "partial_rotary_factor");
        } else {
            theta = c.number(10000.0, "rope_theta");
            scaling = c.object("rope_scaling");
            partial = c.number(partialDefault, "partial_rotary_factor");
        }
        if (theta <= 0) {
            throw c.error(params != null ? "rope_parameters.rope_theta" : "rope_theta", "must be > 0 but is " + theta,
                    "use the model's RoPE base, e.g. 10000.0.");
        }
        if (!(partial > 0 && partial <= 1)) {
            throw c.error("partial_rotary_factor", "must be in (0, 1] but is " + partial, "use e.g. 0.5 or 1.0.");
        }
        String type = scaling == null ? "default" : scaling.string("default", "rope_type", "type");
        switch (type) {
            case "default" -> {
                return RopeScaling.defaults(theta, partial);
            }
            case "linear" -> {
                double factor = scaling.requiredNumber("factor", "linear RoPE scaling needs a factor, e.g."
                        + " \"factor\": 2.0.");
                if (factor <= 0) {
                    throw scaling.error("factor", "must be > 0 but is " + factor, "use e.g. 2.0.");
                }
                return RopeScaling.linear(theta, factor, partial);
            }
            case "llama3" -> {
                String fix = "llama3 RoPE scaling needs factor, low_freq_factor, high_freq_factor and"
                        + " original_max_position_embeddings (Llama 3.1: 8.0, 1.0, 4.0, 8192).";
                double factor = scaling.requiredNumber("factor", fix);
                double low = scaling.requiredNumber("low_freq_factor", fix);
                double high = scaling.requiredNumber("high_freq_factor", fix);
                if (!scaling.has("original_max_position_embeddings")) {
                    throw scaling.error("original_max_position_embeddings", "is missing", fix);
                }
                int orig = scaling.positiveInt(0, "original_max_position_embeddings");
                if (factor <= 0 || low <= 0 || high <= low) {
                    throw scaling.error("factor", "(" + factor + "), low_freq_factor (" + low + ") and"
                            + " high_freq_factor (" + high + ") must satisfy factor > 0 and 0 < low < high", fix);
                }
                return RopeScaling.llama3(theta, factor, low, high, orig, partial);
            }
            default -> throw scaling.error(scaling.has("rope_type") ? "rope_type" : "type", "is '" + type
                    + "', which Lethe does not support", "supported rope types are default, linear and llama3.");
        }
    }
}
