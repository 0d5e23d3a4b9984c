package dev.lethe.engine.block;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.ops.Attention;
import dev.lethe.engine.ops.Elementwise;
import dev.lethe.engine.ops.Indexing;
import dev.lethe.engine.ops.MatMul;
import dev.lethe.engine.ops.Normalization;
import dev.lethe.engine.ops.Reductions;
import dev.lethe.engine.ops.Rope;
import dev.lethe.engine.ops.Shaping;
import dev.lethe.engine.ops.Softmax;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A small Llama-style causal LM written directly with engine ops, used to check the op set end to end (finite
 * differences through two layers), to watch memory over long loops and to time one forward + backward: embedding,
 * per layer RMSNorm -> q/k/v projections -> RoPE -> grouped-query causal attention with a padding mask -> output
 * projection -> residual -> RMSNorm -> SwiGLU MLP -> residual, then a final RMSNorm, the LM head and the mean
 * next-token negative log-likelihood.
 */
public final class TinyCausalLm {
    public final int vocab;
    public final int dim;
    public final int heads;
    public final int kvHeads;
    public final int hidden;
    public final int layers;
    public final List<Tensor> params = new ArrayList<>();
    private final Tensor embed;
    private final Tensor finalNorm;
    private final Tensor head;
    private final List<Tensor[]> layerParams = new ArrayList<>();

    public TinyCausalLm(DataType dtype, int vocab, int dim, int heads, int kvHeads, int hidden, int layers, long seed) {
        this.vocab = vocab;
        this.dim = dim;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.hidden = hidden;
        this.layers = layers;
        Random rnd = new Random(seed);
        int dh = dim / heads;
        embed = param("model.embed_tokens.weight", dtype, rnd, 1.0, vocab, dim);
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            layerParams.add(new Tensor[] {
                param(p + "input_layernorm.weight", dtype, rnd, -1, dim),
                param(p + "self_attn.q_proj.weight", dtype, rnd, 0.3, heads * dh, dim),
                param(p + "self_attn.k_proj.weight", dtype, rnd, 0.3, kvHeads * dh, dim),
                param(p + "self_attn.v_proj.weight", dtype, rnd, 0.3, kvHeads * dh, dim),
                param(p + "self_attn.o_proj.weight", dtype, rnd, 0.3, dim, heads * dh),
                param(p + "post_attention_layernorm.weight", dtype, rnd, -1, dim),
                param(p + "mlp.gate_proj.weight", dtype, rnd, 0.3, hidden, dim),
                param(p + "mlp.up_proj.weight", dtype, rnd, 0.3, hidden, dim),
                param(p + "mlp.down_proj.weight", dtype, rnd, 0.3, dim, hidden),
            });
        }
        finalNorm = param("model.norm.weight", dtype, rnd, -1, dim);
        head = param("lm_head.weight", dtype, rnd, 0.3, vocab, dim);
    }

    private Tensor param(String name, DataType dtype, Random rnd, double std, long... shape) {
        INDArray a = Nd4j.createUninitialized(dtype, shape);
        for (long i = 0; i < a.length(); i++) {
            a.putScalar(i, std < 0 ? 1.0 + 0.1 * rnd.nextGaussian() : std * rnd.nextGaussian());
        }
        Tensor t = Tensor.parameter(name, a);
        params.add(t);
        return t;
    }

    /** cos/sin tables [1, T, Dh/2] for default RoPE with base 10000. */
    public INDArray[] rope(DataType dtype, int t) {
        int dh = dim / heads;
        INDArray cos = Nd4j.createUninitialized(dtype, 1, t, dh / 2);
        INDArray sin = Nd4j.createUninitialized(dtype, 1, t, dh / 2);
        for (int p = 0; p < t; p++) {
            for (int j = 0; j < dh / 2; j++) {
                double angle = p * Math.pow(10000.0, -2.0 * j / dh);
                cos.putScalar(new long[] {0, p, j}, Math.cos(angle));
                sin.putScalar(new long[] {0, p, j}, Math.sin(angle));
            }
        }
        return new INDArray[] {cos, sin};
    }

    /** Mean NLL of ids[b, t+1] given ids[b, 0..t] over positions whose next token is not padding. */
    public Tensor loss(Tape tape, int[] ids, int[] mask, int b, int t, INDArray[] cosSin) {
        int dh = dim / heads;
        Tensor x = Indexing.embedding(tape, embed, ids, b, t);
        for (Tensor[] lp : layerParams) {
            Tensor h = Normalization.rmsNorm(tape, x, lp[0], 1e-6, false);
            Tensor q = Shaping.reshape(tape, MatMul.linear(tape, h, lp[1], null), b, t, heads, dh);
            Tensor k = Shaping.reshape(tape, MatMul.linear(tape, h, lp[2], null), b, t, kvHeads, dh);
            Tensor v = Shaping.reshape(tape, MatMul.linear(tape, h, lp[3], null), b, t, kvHeads, dh);
            q = Rope.apply(tape, Shaping.permute(tape, q, 0, 2, 1, 3), cosSin[0], cosSin[1], dh);
            k = Rope.apply(tape, Shaping.permute(tape, k, 0, 2, 1, 3), cosSin[0], cosSin[1], dh);
            v = Shaping.permute(tape, v, 0, 2, 1, 3);
            Tensor a = Attention.causalSelfAttention(tape, q, k, v, mask, 1.0 / Math.sqrt(dh));
            a = MatMul.linear(tape, Shaping.reshape(tape, a, b, t, (long) heads * dh), lp[4], null);
            x = Elementwise.add(tape, x, a);
            h = Normalization.rmsNorm(tape, x, lp[5], 1e-6, false);
            Tensor gate = Elementwise.silu(tape, MatMul.linear(tape, h, lp[6], null));
            Tensor up = MatMul.linear(tape, h, lp[7], null);
            x = Elementwise.add(tape, x, MatMul.linear(tape, Elementwise.mul(tape, gate, up), lp[8], null));
        }
        x = Normalization.rmsNorm(tape, x, finalNorm, 1e-6, false);
        Tensor logits = MatMul.linear(tape, x, head, null);
        Tensor shifted = Shaping.slice(tape, logits, 1, 0, t - 1);
        int[] targets = new int[b * (t - 1)];
        int[] keep = new int[b * (t - 1)];
        int count = 0;
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t - 1; j++) {
                targets[i * (t - 1) + j] = ids[i * t + j + 1];
                keep[i * (t - 1) + j] = mask[i * t + j + 1];
                count += keep[i * (t - 1) + j];
            }
        }
        Tensor lp = Softmax.tokenLogProbs(tape, shifted, targets, keep);
        return Elementwise.mulScalar(tape, Reductions.sumAll(tape, lp), -1.0 / count);
    }
}
