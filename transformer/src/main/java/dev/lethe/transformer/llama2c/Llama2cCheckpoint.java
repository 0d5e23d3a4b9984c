package dev.lethe.transformer.llama2c;

import dev.lethe.transformer.config.ModelConfig;
import dev.lethe.transformer.model.CausalLM;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A float32 checkpoint of Andrej Karpathy's llama2.c, in either of its two formats, read into Hugging Face Llama
 * parameters. The legacy format ({@code run.c}'s own, written by {@code export.py --version 0}) is a header of seven
 * little-endian int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len; a negative vocab_size
 * means an unshared classifier) followed by the token embedding, every layer's attention RMSNorm, wq, wk, wv, wo
 * (each [out, in], layer after layer), the FFN RMSNorms, w1, w2, w3, the final norm, the RoPE cos and sin tables
 * (seq_len x head_size/2 each, ignored here) and, when unshared, the classifier. Version 1 ({@code export.py
 * --version 1}) has a 256-byte header: magic "ak42" (0x616b3432), int32 version 1, the seven ints (vocab_size
 * positive), a shared-classifier byte, zero padding; then the norms first (attention, FFN, final), the embedding,
 * wq, wk, wv, wo, w1, w2, w3 and, when unshared, the classifier. The int8 version 2 is refused. llama2.c rotates
 * interleaved pairs (2i, 2i+1) of each head; Hugging Face rotates halves (i, i + head/2), so the rows of q_proj and
 * k_proj are permuted per head: HF row {@code h*hs + a*hs/2 + j} = llama2.c row {@code h*hs + 2j + a}. The config is
 * a Llama one with llama2.c's constants: RoPE theta 10000, RMSNorm eps 1e-5, SiLU, BOS 1, EOS 2.
 */
public final class Llama2cCheckpoint {
    /** "ak42" read as a little-endian uint32, the magic of the versioned export formats. */
    public static final int MAGIC = 0x616b3432;
    private static final int V1_HEADER_BYTES = 256;

    private final Path file;
    private final int version;
    private final int dim;
    private final int hiddenDim;
    private final int layers;
    private final int heads;
    private final int kvHeads;
    private final int vocabSize;
    private final int seqLen;
    private final boolean sharedClassifier;
    private final Map<String, INDArray> weights;

    private Llama2cCheckpoint(Path file, int version, int[] h, boolean shared, Map<String, INDArray> weights) {
        this.file = file;
        this.version = version;
        this.dim = h[0];
        this.hiddenDim = h[1];
        this.layers = h[2];
        this.heads = h[3];
        this.kvHeads = h[4];
        this.vocabSize = h[5];
        this.seqLen = h[6];
        this.sharedClassifier = shared;
        this.weights = weights;
    }

    /** Reads a legacy or version-1 llama2.c checkpoint, validating the header against the file size. */
    public static Llama2cCheckpoint read(Path file) throws IOException {
        ByteBuffer buf;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                throw new IOException(file + ": " + size + " bytes; llama2.c checkpoints above 2 GiB are not"
                        + " supported here (convert the model to a Hugging Face folder instead)");
            }
            buf = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
            while (buf.hasRemaining() && ch.read(buf) >= 0) {
                // read the whole file
            }
            buf.flip();
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "llama2.c checkpoint not found");
        }
        if (buf.remaining() < 28) {
            throw new IOException(file + ": " + buf.remaining() + " bytes is too short for a llama2.c checkpoint"
                    + " header (28 bytes legacy, 256 bytes version 1)");
        }
        int first = buf.getInt(0);
        int version;
        int[] h = new int[7];
        boolean shared;
        int dataStart;
        if (first == MAGIC) {
            version = buf.getInt(4);
            if (version == 2) {
                throw new IOException(file + ": llama2.c export version 2 (int8 quantized) is not supported; export"
                        + " float32 weights with llama2.c's export.py --version 1 (or --version 0)");
            }
            if (version != 1) {
                throw new IOException(file + ": unknown llama2.c export version " + version + " after magic ak42"
                        + " (supported: the legacy format and version 1)");
            }
            if (buf.remaining() < V1_HEADER_BYTES) {
                throw new IOException(file + ": version-1 header needs 256 bytes, file has " + buf.remaining());
            }
            for (int i = 0; i < 7; i++) {
                h[i] = buf.getInt(8 + 4 * i);
            }
            int flag = buf.get(36);
            if (flag != 0 && flag != 1) {
                throw new IOException(file + ": header field shared_classifier is " + flag + ", expected 0 or 1");
            }
            shared = flag == 1;
            dataStart = V1_HEADER_BYTES;
            if (h[5] <= 0) {
                throw new IOException(file + ": header field vocab_size is " + h[5] + "; version 1 stores it"
                        + " positive (with a separate shared_classifier flag)");
            }
        } else {
            version = 0;
            for (int i = 0; i < 7; i++) {
                h[i] = buf.getInt(4 * i);
            }
            shared = h[5] > 0;
            h[5] = Math.abs(h[5]);
            dataStart = 28;
        }
        String[] names = {"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"};
        for (int i = 0; i < 7; i++) {
            if (h[i] <= 0 || h[i] > (1 << 24)) {
                throw new IOException(file + ": header field " + names[i] + " is " + h[i] + "; is this a llama2.c"
                        + " model checkpoint (not a tokenizer.bin or another file)?");
            }
        }
        if (h[0] % h[3] != 0 || h[3] % h[4] != 0 || (h[0] / h[3]) % 2 != 0) {
            throw new IOException(file + ": header dim " + h[0] + ", n_heads " + h[3] + ", n_kv_heads " + h[4]
                    + " are inconsistent (dim must split into heads of even size, heads into kv groups)");
        }
        int headSize = h[0] / h[3];
        long kvDim = (long) h[4] * headSize;
        long d = h[0];
        long l = h[2];
        long ff = h[1];
        long v = h[5];
        long floats = v * d + 2 * l * d + d + l * (d * d + 2 * kvDim * d + d * d + 3 * ff * d) + (shared ? 0 : v * d);
        if (version == 0) {
            floats += (long) h[6] * headSize; // cos and sin tables, seq_len x head_size/2 each
        }
        long expected = dataStart + 4 * floats;
        if (buf.remaining() != expected) {
            throw new IOException(String.format(Locale.ROOT, "%s: a llama2.c %s checkpoint with dim %d, hidden_dim %d,"
                    + " n_layers %d, n_heads %d, n_kv_heads %d, vocab_size %d, seq_len %d, %s classifier holds %d"
                    + " bytes, the file has %d (truncated, or not the float32 format)", file,
                    version == 0 ? "legacy" : "version-1", h[0], h[1], h[2], h[3], h[4], h[5], h[6],
                    shared ? "shared" : "unshared", expected, buf.remaining()));
        }
        buf.position(dataStart);
        FloatBuffer fb = buf.asFloatBuffer();
        Map<String, INDArray> w = new LinkedHashMap<>();
        int kv = (int) kvDim;
        if (version == 0) {
            put(w, "model.embed_tokens.weight", fb, h[5], h[0]);
            perLayer(w, "input_layernorm.weight", fb, h[2], h[0]);
            perLayer(w, "self_attn.q_proj.weight", fb, h[2], h[0], h[0]);
            perLayer(w, "self_attn.k_proj.weight", fb, h[2], kv, h[0]);
            perLayer(w, "self_attn.v_proj.weight", fb, h[2], kv, h[0]);
            perLayer(w, "self_attn.o_proj.weight", fb, h[2], h[0], h[0]);
            perLayer(w, "post_attention_layernorm.weight", fb, h[2], h[0]);
            perLayer(w, "mlp.gate_proj.weight", fb, h[2], h[1], h[0]);
            perLayer(w, "mlp.down_proj.weight", fb, h[2], h[0], h[1]);
            perLayer(w, "mlp.up_proj.weight", fb, h[2], h[1], h[0]);
            put(w, "model.norm.weight", fb, h[0]);
            fb.position(fb.position() + h[6] * headSize); // freq_cis_real, freq_cis_imag
        } else {
            perLayer(w, "input_layernorm.weight", fb, h[2], h[0]);
            perLayer(w, "post_attention_layernorm.weight", fb, h[2], h[0]);
            put(w, "model.norm.weight", fb, h[0]);
            put(w, "model.embed_tokens.weight", fb, h[5], h[0]);
            perLayer(w, "self_attn.q_proj.weight", fb, h[2], h[0], h[0]);
            perLayer(w, "self_attn.k_proj.weight", fb, h[2], kv, h[0]);
            perLayer(w, "self_attn.v_proj.weight", fb, h[2], kv, h[0]);
            perLayer(w, "self_attn.o_proj.weight", fb, h[2], h[0], h[0]);
            perLayer(w, "mlp.gate_proj.weight", fb, h[2], h[1], h[0]);
            perLayer(w, "mlp.down_proj.weight", fb, h[2], h[0], h[1]);
            perLayer(w, "mlp.up_proj.weight", fb, h[2], h[1], h[0]);
        }
        if (!shared) {
            put(w, "lm_head.weight", fb, h[5], h[0]);
        }
        for (int i = 0; i < h[2]; i++) {
            String p = "model.layers." + i + ".self_attn.";
            w.put(p + "q_proj.weight", toRotateHalf(w.get(p + "q_proj.weight"), h[3], headSize));
            w.put(p + "k_proj.weight", toRotateHalf(w.get(p + "k_proj.weight"), h[4], headSize));
        }
        return new Llama2cCheckpoint(file, version, h, shared, w);
    }

    /** Reads a checkpoint and builds the model in one call. */
    public static CausalLM load(Path file) throws IOException {
        return read(file).toCausalLM();
    }

    private static void put(Map<String, INDArray> w, String name, FloatBuffer fb, int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        float[] data = new float[n];
        fb.get(data);
        long[] ls = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            ls[i] = shape[i];
        }
        w.put(name, Nd4j.create(data, ls, 'c'));
    }

    private static void perLayer(Map<String, INDArray> w, String suffix, FloatBuffer fb, int layers, int... shape) {
        for (int i = 0; i < layers; i++) {
            put(w, "model.layers." + i + "." + suffix, fb, shape);
        }
    }

    /** Rows of each head reordered from interleaved pairs (2j, 2j+1) to halves (j, j + hs/2). */
    static INDArray toRotateHalf(INDArray w, int heads, int headSize) {
        int in = (int) w.size(1);
        float[] src = w.data().asFloat();
        float[] dst = new float[src.length];
        int half = headSize / 2;
        for (int h = 0; h < heads; h++) {
            for (int a = 0; a < 2; a++) {
                for (int j = 0; j < half; j++) {
                    int to = h * headSize + a * half + j;
                    int from = h * headSize + 2 * j + a;
                    System.arraycopy(src, from * in, dst, to * in, in);
                }
            }
        }
        return Nd4j.create(dst, new long[] {w.size(0), in}, 'c');
    }

    /** The Hugging Face Llama config of this checkpoint (llama2.c constants: theta 10000, eps 1e-5, BOS 1, EOS 2). */
    public ModelConfig config() {
        String json = String.format(Locale.ROOT, "{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\","
                + " \"hidden_size\": %d, \"intermediate_size\": %d, \"num_hidden_layers\": %d,"
                + " \"num_attention_heads\": %d, \"num_key_value_heads\": %d, \"vocab_size\": %d,"
                + " \"max_position_embeddings\": %d, \"rms_norm_eps\": 1e-05, \"rope_theta\": 10000.0,"
                + " \"hidden_act\": \"silu\", \"tie_word_embeddings\": %b, \"bos_token_id\": 1, \"eos_token_id\": 2,"
                + " \"torch_dtype\": \"float32\"}", dim, hiddenDim, layers, heads, kvHeads, vocabSize, seqLen,
                sharedClassifier);
        return ModelConfig.parse(json, file + " (llama2.c header)");
    }

    /** Parameters under Hugging Face Llama names (q/k rows already in rotate-half order), float32. */
    public Map<String, INDArray> weights() {
        return java.util.Collections.unmodifiableMap(weights);
    }

    /** The checkpoint as a model, in float32 (or float64 with {@code DataType.DOUBLE}). */
    public CausalLM toCausalLM(DataType dtype) {
        Map<String, INDArray> w = new LinkedHashMap<>();
        weights.forEach((k, a) -> w.put(k, dtype == DataType.FLOAT ? a : a.castTo(dtype)));
        return new CausalLM(config(), w);
    }

    public CausalLM toCausalLM() {
        return toCausalLM(DataType.FLOAT);
    }

    public Path file() {
        return file;
    }

    /** 0 for the legacy format, 1 for export version 1. */
    public int version() {
        return version;
    }

    public int dim() {
        return dim;
    }

    public int hiddenDim() {
        return hiddenDim;
    }

    public int layers() {
        return layers;
    }

    public int heads() {
        return heads;
    }

    public int kvHeads() {
        return kvHeads;
    }

    public int vocabSize() {
        return vocabSize;
    }

    public int seqLen() {
        return seqLen;
    }

    public boolean sharedClassifier() {
        return sharedClassifier;
    }
}
