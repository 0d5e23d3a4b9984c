package dev.lethe.transformer.model;

import dev.lethe.transformer.config.ModelConfig;
import dev.lethe.transformer.config.ModelFamily;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What differs between the decoder families, as data: parameter names and shapes (Hugging Face's), the block wiring
 * (pre-norm sequential, OLMo-2's post-norm, Phi's parallel attention + MLP), the norm kind (RMSNorm, Gemma's
 * RMSNorm with 1 + w, LayerNorm with or without parameters), the MLP kind (gated SwiGLU/GeGLU or plain two-layer),
 * learned positions (GPT-2) or RoPE, GPT-2's Conv1D weights stored [in, out], Gemma's embedding scaling and tied heads.
 * {@link CausalLM} runs one generic block over this description.
 */
final class FamilyLayout {
    enum Block { SEQUENTIAL, POST_NORM, PARALLEL }

    enum NormKind { RMS, RMS_ONE_PLUS, LAYER }

    /** A norm's kind and its parameter names (null when it has none). */
    record Norm(NormKind kind, String weight, String bias) {
    }

    /** One layer's parameter names; null where the family has no such parameter. */
    record LayerNames(Norm inputNorm, Norm postAttentionNorm, Norm postMlpNorm, String fusedQkv, String fusedQkvBias,
                      String q, String qBias, String k, String kBias, String v, String vBias, String o, String oBias,
                      String qNorm, String kNorm, String gate, String up, String upBias, String down,
                      String downBias) {
    }

    private final ModelConfig c;
    private final Map<String, long[]> shapes = new LinkedHashMap<>();
    private final List<LayerNames> layers = new ArrayList<>();
    private String embedding;
    private String learnedPositions;
    private Norm finalNorm;
    private String head;
    private String headBias;

    private FamilyLayout(ModelConfig c) {
        this.c = c;
    }

    static FamilyLayout of(ModelConfig c) {
        FamilyLayout f = new FamilyLayout(c);
        if (c.family() == ModelFamily.GPT2) {
            f.gpt2();
        } else if (c.family() == ModelFamily.PHI) {
            f.phi();
        } else {
            f.llamaLike();
        }
        return f;
    }

    private String add(String name, long... shape) {
        shapes.put(name, shape);
        return name;
    }

    private void gpt2() {
        long d = c.hiddenSize();
        long inner = c.intermediateSize();
        embedding = add("transformer.wte.weight", c.vocabSize(), d);
        learnedPositions = add("transformer.wpe.weight", c.maxPositionEmbeddings(), d);
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "transformer.h." + l + ".";
            Norm ln1 = new Norm(NormKind.LAYER, add(p + "ln_1.weight", d), add(p + "ln_1.bias", d));
            String qkv = add(p + "attn.c_attn.weight", d, 3 * d);
            String qkvB = add(p + "attn.c_attn.bias", 3 * d);
            String o = add(p + "attn.c_proj.weight", d, d);
            String oB = add(p + "attn.c_proj.bias", d);
            Norm ln2 = new Norm(NormKind.LAYER, add(p + "ln_2.weight", d), add(p + "ln_2.bias", d));
            String up = add(p + "mlp.c_fc.weight", d, inner);
            String upB = add(p + "mlp.c_fc.bias", inner);
            String down = add(p + "mlp.c_proj.weight", inner, d);
            String downB = add(p + "mlp.c_proj.bias", d);
            layers.add(new LayerNames(ln1, ln2, null, qkv, qkvB, null, null, null, null, null, null, o, oB, null, null,
                    null, up, upB, down, downB));
        }
        finalNorm = new Norm(NormKind.LAYER, add("transformer.ln_f.weight", d), add("transformer.ln_f.bias", d));
        head = c.tieWordEmbeddings() ? embedding : add("lm_head.weight", c.vocabSize(), d);
    }

    private void phi() {
        long d = c.hiddenSize();
        long qd = (long) c.numHeads() * c.headDim();
        long kvd = (long) c.numKvHeads() * c.headDim();
        embedding = add("model.embed_tokens.weight", c.vocabSize(), d);
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            Norm in = new Norm(NormKind.LAYER, add(p + "input_layernorm.weight", d), add(p + "input_layernorm.bias", d));
            layers.add(new LayerNames(in, null, null, null, null,
                    add(p + "self_attn.q_proj.weight", qd, d), add(p + "self_attn.q_proj.bias", qd),
                    add(p + "self_attn.k_proj.weight", kvd, d), add(p + "self_attn.k_proj.bias", kvd),
                    add(p + "self_attn.v_proj.weight", kvd, d), add(p + "self_attn.v_proj.bias", kvd),
                    add(p + "self_attn.dense.weight", d, qd), add(p + "self_attn.dense.bias", d), null, null, null,
                    add(p + "mlp.fc1.weight", c.intermediateSize(), d), add(p + "mlp.fc1.bias", c.intermediateSize()),
                    add(p + "mlp.fc2.weight", d, c.intermediateSize()), add(p + "mlp.fc2.bias", d)));
        }
        finalNorm = new Norm(NormKind.LAYER, add("model.final_layernorm.weight", d), add("model.final_layernorm.bias", d));
        head = c.tieWordEmbeddings() ? embedding : add("lm_head.weight", c.vocabSize(), d);
        headBias = c.lmHeadBias() ? add("lm_head.bias", c.vocabSize()) : null;
    }

    private void llamaLike() {
        long d = c.hiddenSize();
        long qd = (long) c.numHeads() * c.headDim();
        long kvd = (long) c.numKvHeads() * c.headDim();
        long inner = c.intermediateSize();
        ModelFamily fam = c.family();
        NormKind kind = fam == ModelFamily.GEMMA ? NormKind.RMS_ONE_PLUS : fam == ModelFamily.OLMO ? NormKind.LAYER
                : NormKind.RMS;
        embedding = add("model.embed_tokens.weight", c.vocabSize(), d);
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            Norm in = null;
            Norm post = null;
            Norm postMlp = null;
            if (fam == ModelFamily.OLMO) {
                in = new Norm(NormKind.LAYER, null, null);
                post = new Norm(NormKind.LAYER, null, null);
            } else if (fam == ModelFamily.OLMO2) {
                post = new Norm(kind, add(p + "post_attention_layernorm.weight", d), null);
                postMlp = new Norm(kind, add(p + "post_feedforward_layernorm.weight", d), null);
            } else {
                in = new Norm(kind, add(p + "input_layernorm.weight", d), null);
                post = new Norm(kind, add(p + "post_attention_layernorm.weight", d), null);
            }
            String a = p + "self_attn.";
            String q = add(a + "q_proj.weight", qd, d);
            String qb = c.qkvBias() ? add(a + "q_proj.bias", qd) : null;
            String k = add(a + "k_proj.weight", kvd, d);
            String kb = c.qkvBias() ? add(a + "k_proj.bias", kvd) : null;
            String v = add(a + "v_proj.weight", kvd, d);
            String vb = c.qkvBias() ? add(a + "v_proj.bias", kvd) : null;
            String o = add(a + "o_proj.weight", d, qd);
            String ob = c.outputBias() ? add(a + "o_proj.bias", d) : null;
            String qn = c.qkNorm() ? add(a + "q_norm.weight", qd) : null;
            String kn = c.qkNorm() ? add(a + "k_norm.weight", kvd) : null;
            String m = p + "mlp.";
            String gate = add(m + "gate_proj.weight", inner, d);
            String up = add(m + "up_proj.weight", inner, d);
            String down = add(m + "down_proj.weight", d, inner);
            if (c.mlpBias()) {
                throw new IllegalArgumentException("mlp_bias=true is not supported for " + c.modelType());
            }
            layers.add(new LayerNames(in, post, postMlp, null, null, q, qb, k, kb, v, vb, o, ob, qn, kn, gate, up, null,
                    down, null));
        }
        finalNorm = fam == ModelFamily.OLMO ? new Norm(NormKind.LAYER, null, null)
                : new Norm(kind, add("model.norm.weight", d), null);
        head = c.tieWordEmbeddings() ? embedding : add("lm_head.weight", c.vocabSize(), d);
    }

    List<String> parameterNames() {
        return new ArrayList<>(shapes.keySet());
    }

    long[] shapeOf(String name) {
        return shapes.get(name);
    }

    /** Tensors some checkpoints carry that the model does not use (buffers, a tied head saved anyway). */
    boolean isIgnorable(String name) {
        return name.endsWith(".rotary_emb.inv_freq") || name.endsWith(".attn.bias") || name.endsWith(".attn.masked_bias")
                || c.tieWordEmbeddings() && name.equals("lm_head.weight");
    }

    Block block() {
        return c.family() == ModelFamily.PHI ? Block.PARALLEL
                : c.family() == ModelFamily.OLMO2 ? Block.POST_NORM : Block.SEQUENTIAL;
    }

    boolean usesRope() {
        return learnedPositions == null;
    }

    boolean conv1d() {
        return c.family() == ModelFamily.GPT2;
    }

    boolean embeddingScale() {
        return c.family() == ModelFamily.GEMMA;
    }

    String embedding() {
        return embedding;
    }

    String learnedPositions() {
        return learnedPositions;
    }

    LayerNames layer(int l) {
        return layers.get(l);
    }

    Norm finalNorm() {
        return finalNorm;
    }

    String head() {
        return head;
    }

    String headBias() {
        return headBias;
    }
}
