package dev.lethe.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.engine.io.CheckpointReader;
import dev.lethe.engine.io.TensorInfo;
import dev.lethe.transformer.config.ModelConfig;
import dev.lethe.transformer.config.RopeScaling;
import dev.lethe.transformer.model.CausalLM;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What {@code lethe info} shows about a Hugging Face model folder: the normalised {@link ModelConfig} plus facts read
 * from the checkpoint's header only (tensor count, shards, stored dtypes, parameter count from the shapes), so no
 * weight is loaded unless {@link #read(Path, boolean)} is asked to also load the model as a {@link CausalLM}.
 *
 * <p>Parameters are the checkpoint's tensors minus non-parameter buffers that some checkpoints carry (GPT-2's causal
 * mask {@code *.attn.bias} / {@code *.attn.masked_bias}, a stored {@code *.rotary_emb.inv_freq}) and minus a stored
 * {@code lm_head.weight} when the head is tied (it is the embedding again); those are counted as buffers.
 *
 * @param dir             the model folder
 * @param config          its config.json, normalised
 * @param tensors         number of tensors in the checkpoint
 * @param shards          number of safetensors files holding them
 * @param storedDtypes    safetensors dtype name to number of tensors stored in it
 * @param parameterCount  elements of the parameter tensors (from the shapes)
 * @param bufferCount     elements of the non-parameter tensors
 * @param checkpointBytes bytes of tensor data in the checkpoint
 * @param loadedCount     parameter count of the model loaded as a CausalLM, or null when not loaded
 * @param problems        how the checkpoint disagrees with config.json (the checks loading runs, on the header
 *                        only; {@link CausalLM#checkpointProblems}); empty when the folder is consistent
 */
public record ModelSummary(Path dir, ModelConfig config, int tensors, int shards, Map<String, Integer> storedDtypes,
                           long parameterCount, long bufferCount, long checkpointBytes, Long loadedCount,
                           List<String> problems) {

    public ModelSummary {
        problems = List.copyOf(problems);
    }

    /** Whether config.json and the checkpoint agree (no {@link #problems()}). */
    public boolean consistent() {
        return problems.isEmpty();
    }

    /**
     * Reads config.json and the checkpoint header of {@code dir} and checks that they agree; with {@code load}, also
     * loads a consistent folder as a CausalLM.
     */
    public static ModelSummary read(Path dir, boolean load) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + ": not a folder; point at a Hugging Face model folder holding"
                    + " config.json and model.safetensors (or model.safetensors.index.json).");
        }
        ModelConfig config = ModelConfig.load(dir);
        int tensors;
        Set<Path> files = new HashSet<>();
        Map<String, Integer> dtypes = new TreeMap<>();
        long params = 0;
        long buffers = 0;
        long bytes = 0;
        List<String> problems;
        try (CheckpointReader reader = CheckpointReader.open(dir)) {
            problems = CausalLM.checkpointProblems(config, reader);
            tensors = reader.names().size();
            for (String name : reader.names()) {
                TensorInfo info = reader.info(name);
                files.add(info.file());
                dtypes.merge(info.dtype().name(), 1, Integer::sum);
                bytes += info.byteLength();
                if (isBuffer(name, config)) {
                    buffers += info.elementCount();
                } else {
                    params += info.elementCount();
                }
            }
        }
        Long loaded = null;
        if (load && problems.isEmpty()) {
            loaded = CausalLM.load(dir).parameterCount();
        }
        return new ModelSummary(dir, config, tensors, files.size(), dtypes, params, buffers, bytes, loaded,
                problems);
    }

    /** Whether a checkpoint tensor is a buffer or a duplicate rather than a trainable parameter. */
    static boolean isBuffer(String name, ModelConfig config) {
        return name.endsWith(".rotary_emb.inv_freq") || name.endsWith(".attn.bias") || name.endsWith(".attn.masked_bias")
                || config.tieWordEmbeddings() && name.equals("lm_head.weight");
    }

    /** The RoPE settings in words, or {@code learned positions} for a model without RoPE (GPT-2). */
    public String ropeDescription() {
        RopeScaling r = config.rope();
        if (r == null) {
            return "none (learned absolute positions)";
        }
        StringBuilder sb = new StringBuilder(r.type()).append(", theta ").append(num(r.theta()));
        if (!Double.isNaN(r.factor())) {
            sb.append(", factor ").append(num(r.factor()));
        }
        if (!Double.isNaN(r.lowFreqFactor())) {
            sb.append(", low_freq_factor ").append(num(r.lowFreqFactor()));
        }
        if (!Double.isNaN(r.highFreqFactor())) {
            sb.append(", high_freq_factor ").append(num(r.highFreqFactor()));
        }
        if (r.originalMaxPositionEmbeddings() > 0) {
            sb.append(", original_max_position_embeddings ").append(r.originalMaxPositionEmbeddings());
        }
        if (r.partialRotaryFactor() != 1.0) {
            sb.append(", partial_rotary_factor ").append(num(r.partialRotaryFactor()));
        }
        return sb.toString();
    }

    /** The readable form, one {@code key  value} line per fact. */
    public List<String> lines() {
        ModelConfig c = config;
        List<String> out = new ArrayList<>();
        add(out, "model", dir.toString());
        add(out, "family", c.family().modelType() + " (model_type " + c.modelType() + ")");
        add(out, "architecture", c.architectures().isEmpty() ? "(none listed)" : String.join(", ", c.architectures()));
        add(out, "parameters", String.format(Locale.ROOT, "%,d (%s)", parameterCount, human(parameterCount))
                + (bufferCount > 0 ? String.format(Locale.ROOT, " + %,d in buffers", bufferCount) : ""));
        StringBuilder dt = new StringBuilder();
        storedDtypes.forEach((k, v) -> dt.append(dt.length() == 0 ? "" : ", ").append(k).append(" x").append(v));
        add(out, "dtype", dt + (c.torchDtype() == null ? "" : " (config says " + c.torchDtype() + ")"));
        add(out, "checkpoint", String.format(Locale.ROOT, "%d tensors in %d file%s, %s", tensors, shards,
                shards == 1 ? "" : "s", bytesText(checkpointBytes)));
        add(out, "layers", Integer.toString(c.numLayers()));
        add(out, "heads", c.numHeads() + " query, " + c.numKvHeads() + " key/value"
                + (c.numKvHeads() < c.numHeads() ? " (GQA, groups of " + c.groupSize() + ")" : "")
                + ", head dim " + c.headDim());
        add(out, "hidden", c.hiddenSize() + " (MLP " + c.intermediateSize() + ", " + c.activation() + ")");
        add(out, "vocabulary", Integer.toString(c.vocabSize()));
        add(out, "tied head", c.tieWordEmbeddings() ? "yes (lm_head = embedding)" : "no");
        add(out, "rope", ropeDescription());
        add(out, "max positions", Integer.toString(c.maxPositionEmbeddings()));
        add(out, "norm eps", num(c.normEps()));
        if (c.slidingWindow() != null) {
            add(out, "sliding window", Integer.toString(c.slidingWindow()));
        }
        add(out, "special ids", "bos " + c.bosTokenId() + ", eos " + c.eosTokenIds() + ", pad " + c.padTokenId());
        add(out, "consistency", consistent() ? "config.json and the weights agree"
                : problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + " (listed on stderr)");
        if (loadedCount != null) {
            add(out, "loads", String.format(Locale.ROOT, "yes, as CausalLM with %,d parameters", loadedCount));
        }
        return out;
    }

    /** The summary as one JSON object (numbers as numbers, absent values as null). */
    public ObjectNode toJson() {
        ObjectMapper m = new ObjectMapper();
        ModelConfig c = config;
        ObjectNode o = m.createObjectNode();
        o.put("model", dir.toString());
        o.put("family", c.family().modelType());
        o.put("model_type", c.modelType());
        ArrayNode arch = o.putArray("architectures");
        c.architectures().forEach(arch::add);
        o.put("parameters", parameterCount);
        o.put("buffer_elements", bufferCount);
        ObjectNode dt = o.putObject("stored_dtypes");
        storedDtypes.forEach(dt::put);
        o.put("config_dtype", c.torchDtype());
        o.put("tensors", tensors);
        o.put("shards", shards);
        o.put("checkpoint_bytes", checkpointBytes);
        o.put("layers", c.numLayers());
        o.put("heads", c.numHeads());
        o.put("kv_heads", c.numKvHeads());
        o.put("head_dim", c.headDim());
        o.put("hidden", c.hiddenSize());
        o.put("intermediate", c.intermediateSize());
        o.put("activation", c.activation());
        o.put("vocab", c.vocabSize());
        o.put("tied_head", c.tieWordEmbeddings());
        if (c.rope() == null) {
            o.putNull("rope");
        } else {
            RopeScaling r = c.rope();
            ObjectNode ro = o.putObject("rope");
            ro.put("type", r.type());
            ro.put("theta", r.theta());
            putFinite(ro, "factor", r.factor());
            putFinite(ro, "low_freq_factor", r.lowFreqFactor());
            putFinite(ro, "high_freq_factor", r.highFreqFactor());
            if (r.originalMaxPositionEmbeddings() > 0) {
                ro.put("original_max_position_embeddings", r.originalMaxPositionEmbeddings());
            }
            ro.put("partial_rotary_factor", r.partialRotaryFactor());
        }
        o.put("max_positions", c.maxPositionEmbeddings());
        o.put("norm_eps", c.normEps());
        if (c.slidingWindow() == null) {
            o.putNull("sliding_window");
        } else {
            o.put("sliding_window", c.slidingWindow());
        }
        if (loadedCount == null) {
            o.putNull("loaded_parameters");
        } else {
            o.put("loaded_parameters", loadedCount);
        }
        o.put("consistent", consistent());
        problems.forEach(o.putArray("problems")::add);
        return o;
    }

    private static void putFinite(ObjectNode o, String key, double v) {
        if (!Double.isNaN(v)) {
            o.put(key, v);
        }
    }

    private static void add(List<String> out, String key, String value) {
        out.add(String.format(Locale.ROOT, "%-14s%s", key, value));
    }

    private static String num(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    static String human(long n) {
        if (n >= 1_000_000_000L) {
            return String.format(Locale.ROOT, "%.2fB", n / 1e9);
        }
        if (n >= 1_000_000L) {
            return String.format(Locale.ROOT, "%.2fM", n / 1e6);
        }
        if (n >= 1_000L) {
            return String.format(Locale.ROOT, "%.1fK", n / 1e3);
        }
        return Long.toString(n);
    }

    private static String bytesText(long b) {
        if (b >= 1L << 30) {
            return String.format(Locale.ROOT, "%.2f GiB", b / (double) (1L << 30));
        }
        if (b >= 1L << 20) {
            return String.format(Locale.ROOT, "%.2f MiB", b / (double) (1L << 20));
        }
        return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
    }
}
