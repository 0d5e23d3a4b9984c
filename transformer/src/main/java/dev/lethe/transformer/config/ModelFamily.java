package dev.lethe.transformer.config;

import java.util.List;

/**
 * The decoder families Lethe knows, with the {@code model_type} and the causal-LM class name Hugging Face writes in
 * {@code config.json}. Llama 1, 2, 3 and 3.x all share {@code model_type = "llama"}; they differ only in numbers and
 * RoPE scaling.
 */
public enum ModelFamily {
    /** GPT-2: learned positions, LayerNorm, GELU MLP, Conv1D weights stored [in, out]. */
    GPT2("gpt2", "GPT2LMHeadModel"),
    /** Llama 1/2/3/3.x: RMSNorm, SwiGLU, RoPE, optional GQA. */
    LLAMA("llama", "LlamaForCausalLM"),
    /** Mistral: Llama-like with GQA and (optionally) sliding-window attention. */
    MISTRAL("mistral", "MistralForCausalLM"),
    /** Qwen2: Llama-like with biases on the q, k and v projections. */
    QWEN2("qwen2", "Qwen2ForCausalLM"),
    /** OLMo (1): non-parametric LayerNorm, SwiGLU, RoPE, optional clipping of q, k, v. */
    OLMO("olmo", "OlmoForCausalLM"),
    /** OLMo 2: RMSNorm after attention and MLP (post-norm) and RMSNorm on q and k. */
    OLMO2("olmo2", "Olmo2ForCausalLM"),
    /** Phi (1, 1.5, 2): parallel attention + MLP block, LayerNorm, partial rotary embeddings, biases. */
    PHI("phi", "PhiForCausalLM"),
    /** Gemma (1): RMSNorm with (1 + weight), GeGLU MLP, embeddings scaled by sqrt(hidden), tied head. */
    GEMMA("gemma", "GemmaForCausalLM");

    private final String modelType;
    private final String architecture;

    ModelFamily(String modelType, String architecture) {
        this.modelType = modelType;
        this.architecture = architecture;
    }

    /** The {@code model_type} string. */
    public String modelType() {
        return modelType;
    }

    /** The causal-LM class name written in {@code architectures}. */
    public String architecture() {
        return architecture;
    }

    /** The family of a {@code model_type}, or null when unknown. */
    public static ModelFamily fromModelType(String modelType) {
        for (ModelFamily f : values()) {
            if (f.modelType.equals(modelType)) {
                return f;
            }
        }
        return null;
    }

    /** The family of an architecture class name (e.g. {@code LlamaForCausalLM}, {@code GPT2Model}), or null. */
    public static ModelFamily fromArchitecture(String architecture) {
        for (ModelFamily f : values()) {
            if (f.architecture.equals(architecture)) {
                return f;
            }
        }
        // base-model or other heads: LlamaModel, GPT2Model, Qwen2ForSequenceClassification ...
        String prefix = architecture.replaceAll("(LMHeadModel|ForCausalLM|Model|For[A-Za-z]+)$", "");
        for (ModelFamily f : values()) {
            String fp = f.architecture.replaceAll("(LMHeadModel|ForCausalLM)$", "");
            if (fp.equals(prefix)) {
                return f;
            }
        }
        return null;
    }

    /** The supported model types, for messages. */
    public static List<String> modelTypes() {
        return java.util.Arrays.stream(values()).map(ModelFamily::modelType).toList();
    }
}
