package dev.lethe.transformer.model;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.io.CheckpointReader;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.engine.kernel.Loops;
import dev.lethe.engine.ops.Attention;
import dev.lethe.engine.ops.Elementwise;
import dev.lethe.engine.ops.Indexing;
import dev.lethe.engine.ops.LowRankLinear;
import dev.lethe.engine.ops.MatMul;
import dev.lethe.engine.ops.Normalization;
import dev.lethe.engine.ops.Recompute;
import dev.lethe.engine.ops.Rope;
import dev.lethe.engine.ops.Shaping;
import dev.lethe.transformer.config.ModelConfig;
import dev.lethe.transformer.config.ModelFamily;
import dev.lethe.transformer.config.RopeFrequencies;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A decoder-only language model of any supported Hugging Face family, as one configurable block with per-family
 * differences (see {@link FamilyLayout}): GPT-2, Llama 1-3.x, Mistral, Qwen2, OLMo, OLMo-2, Phi and Gemma.
 *
 * <p>Parameters are {@link Tensor}s named exactly as in the checkpoint, so gradients, optimizers and parameter
 * selections speak Hugging Face names; a tied head reuses the embedding tensor. {@link #forward} records on the given
 * tape (or computes without recording on an inference tape), takes right- or left-padded batches and an optional
 * {@link KvCache}, and can return every layer's hidden states in Hugging Face's convention (index 0 = embeddings,
 * index L = last layer after the final norm).
 */
public final class CausalLM {
    private final ModelConfig config;
    private final FamilyLayout layout;
    private final DataType dtype;
    private final Map<String, Tensor> params;
    private final double[] invFreq;
    private final int rotaryDim;
    private Path sourceDir;
    private LoraAdapter adapter;
    private boolean recompute;
    /** Adapted base weights stored in bf16 or f16 (see {@link #storeAdaptedWeightsIn}). */
    private final Set<String> sixteenBit = new LinkedHashSet<>();
    /** {@link LoraAdapter#checksum} of the float32 base, taken before any weight was narrowed; else null. */
    private String float32Checksum;

    /** Files besides the weights that a saved model folder carries over from the folder it was loaded from. */
    private static final List<String> COMPANION_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "generation_config.json", "vocab.json", "merges.txt", "tokenizer.model");

    /**
     * Looks into each layer's MLP during a forward pass (knowledge editing reads its keys and adds its values here).
     * {@link #down} receives the input [B, T, F] and output [B, T, D] of the MLP's output matrix (the down-projection,
     * GPT-2's {@code mlp.c_proj}, Phi's {@code mlp.fc2}) and returns the output the layer goes on with;
     * {@link #layerOutput} sees each layer's output, the residual stream, before any final norm.
     */
    public interface MlpHook {
        Tensor down(Tape tape, int layer, Tensor input, Tensor output);

        default void layerOutput(int layer, Tensor output) {
        }
    }

    /** Forward result: logits [B, T, V] and, when asked, the hidden states (else an empty list). */
    public record Output(Tensor logits, List<Tensor> hiddenStates) {
    }

    public CausalLM(ModelConfig config, Map<String, INDArray> weights) {
        this(config, weights, false);
    }

    private CausalLM(ModelConfig config, Map<String, INDArray> weights, boolean frozen) {
        this.config = config;
        this.layout = FamilyLayout.of(config);
        this.dtype = weights.values().iterator().next().dataType();
        this.params = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        weights.forEach((name, w) -> shapes.put(name, w.shape()));
        List<String> problems = checkpointProblems(config, shapes);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(problems.get(0));
        }
        for (String name : layout.parameterNames()) {
            INDArray w = weights.get(name);
            if (w.dataType() != dtype && !(frozen && LowRankLinear.isNarrow(w.dataType()))) {
                throw new IllegalArgumentException("parameter " + name + " is " + w.dataType() + ", others are " + dtype);
            }
            params.put(name, frozen ? Tensor.constant(w).named(name) : Tensor.parameter(name, w));
        }
        if (config.rope() != null && layout.usesRope()) {
            this.invFreq = RopeFrequencies.inverseFrequencies(config);
            this.rotaryDim = RopeFrequencies.rotaryDim(config.headDim(), config.rope().partialRotaryFactor());
        } else {
            this.invFreq = null;
            this.rotaryDim = 0;
        }
    }

    /**
     * How a checkpoint's tensor names and shapes disagree with what its config implies, one readable line per kind of
     * problem (parameters missing, tensors the layout does not use, shapes that differ; each names up to three
     * examples), in that order; empty when they agree. This is the check loading runs, on names and shapes only, so no tensor data is read.
     */
    public static List<String> checkpointProblems(ModelConfig config, Map<String, long[]> shapes) {
        FamilyLayout layout = FamilyLayout.of(config);
        List<String> expected = layout.parameterNames();
        List<String> problems = new ArrayList<>();
        List<String> missing = expected.stream().filter(n -> !shapes.containsKey(n)).toList();
        if (!missing.isEmpty()) {
            problems.add("checkpoint lacks " + missing.size() + " parameter(s) the " + config.modelType()
                    + " config requires, e.g. " + missing.subList(0, Math.min(3, missing.size()))
                    + "; is config.json from the same model as the weights?");
        }
        Set<String> known = new HashSet<>(expected);
        List<String> unknown = shapes.keySet().stream()
                .filter(n -> !known.contains(n) && !layout.isIgnorable(n)).toList();
        if (!unknown.isEmpty()) {
            problems.add("checkpoint has " + unknown.size() + " tensor(s) the " + config.modelType()
                    + " layout does not use, e.g. " + unknown.subList(0, Math.min(3, unknown.size()))
                    + "; check model_type/architectures in config.json");
        }
        List<String> wrong = new ArrayList<>();
        for (String name : expected) {
            long[] want = layout.shapeOf(name);
            long[] got = shapes.get(name);
            if (got != null && !Arrays.equals(want, got)) {
                wrong.add(name + " has shape " + Arrays.toString(got) + " but config.json implies "
                        + Arrays.toString(want));
            }
        }
        if (wrong.size() == 1) {
            problems.add("parameter " + wrong.get(0));
        } else if (!wrong.isEmpty()) {
            problems.add(wrong.size() + " parameters have other shapes than config.json implies, e.g. "
                    + String.join("; ", wrong.subList(0, Math.min(3, wrong.size())))
                    + "; is config.json from the same model as the weights?");
        }
        return problems;
    }

    /** {@link #checkpointProblems(ModelConfig, Map)} for an open checkpoint, from its header only. */
    public static List<String> checkpointProblems(ModelConfig config, CheckpointReader reader) {
        boolean addPrefix = needsGpt2Prefix(config, reader);
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (String name : reader.names()) {
            shapes.put(addPrefix ? "transformer." + name : name, reader.info(name).shape());
        }
        return checkpointProblems(config, shapes);
    }

    /** GPT-2 checkpoints saved from GPT2Model (as the original "gpt2") have no "transformer." prefix. */
    private static boolean needsGpt2Prefix(ModelConfig config, CheckpointReader reader) {
        return config.family() == ModelFamily.GPT2 && reader.contains("wte.weight");
    }

    /** Parameter names and shapes a config implies, in checkpoint layout order (a tied head appears once). */
    public static Map<String, long[]> expectedShapes(ModelConfig config) {
        FamilyLayout layout = FamilyLayout.of(config);
        Map<String, long[]> m = new LinkedHashMap<>();
        for (String n : layout.parameterNames()) {
            m.put(n, layout.shapeOf(n).clone());
        }
        return m;
    }

    /**
     * The Hugging Face name of layer {@code layer}'s MLP output projection weight in this config's family (Llama-like:
     * {@code model.layers.N.mlp.down_proj.weight}; GPT-2: {@code transformer.h.N.mlp.c_proj.weight}; Phi:
     * {@code model.layers.N.mlp.fc2.weight}), e.g. for RMU, which trains these.
     */
    public static String mlpOutputWeight(ModelConfig config, int layer) {
        if (layer < 0 || layer >= config.numLayers()) {
            throw new IllegalArgumentException("layer " + layer + " is outside [0, " + config.numLayers() + ")");
        }
        return FamilyLayout.of(config).layer(layer).down();
    }

    /** True for tensors some checkpoints carry that the model ignores (buffers, a tied head saved anyway). */
    public static boolean isIgnorableTensor(ModelConfig config, String name) {
        return FamilyLayout.of(config).isIgnorable(name);
    }

    /**
     * A freshly initialised model as transformers initialises one: weights ~ N(0, std) (std = initializer_range, 0.02
     * by default), norm weights 1 (0 for Gemma's 1 + w norms), biases 0. Deterministic for a seed.
     */
    public static CausalLM randomInit(ModelConfig config, long seed, double std, DataType dtype) {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
        Map<String, INDArray> w = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : expectedShapes(config).entrySet()) {
            String n = e.getKey();
            INDArray a = org.nd4j.linalg.factory.Nd4j.createUninitialized(dtype, e.getValue());
            Buf b = Buf.of(a);
            boolean norm = n.contains("norm") || n.contains(".ln_") || n.startsWith("transformer.ln_f");
            boolean bias = n.endsWith(".bias");
            double fill = bias ? 0.0 : norm ? (config.family() == ModelFamily.GEMMA ? 0.0 : 1.0) : Double.NaN;
            for (int i = 0; i < a.length(); i++) {
                b.set(i, Double.isNaN(fill) ? std * gaussian(rnd) : fill);
            }
            w.put(n, a);
        }
        return new CausalLM(config, w);
    }

    private static double gaussian(java.util.SplittableRandom rnd) {
        double u1 = rnd.nextDouble();
        double u2 = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }

    /**
     * Loads a Hugging Face model folder (config.json + safetensors, sharded or not) in float32, or in the given dtype
     * (FLOAT or DOUBLE; bf16/f16 checkpoints are converted on load).
     */
    public static CausalLM load(Path dir, DataType dtype) throws IOException {
        ModelConfig config = ModelConfig.load(dir);
        Map<String, INDArray> weights = new LinkedHashMap<>();
        try (CheckpointReader reader = CheckpointReader.open(dir)) {
            boolean addPrefix = needsGpt2Prefix(config, reader);
            for (String name : reader.names()) {
                INDArray w = dtype == DataType.DOUBLE ? reader.readFloat64(name) : reader.readFloat32(name);
                weights.put(addPrefix ? "transformer." + name : name, w);
            }
        }
        CausalLM model = new CausalLM(config, weights);
        model.sourceDir = java.nio.file.Files.isDirectory(dir) ? dir : dir.getParent();
        return model;
    }

    public static CausalLM load(Path dir) throws IOException {
        return load(dir, DataType.FLOAT);
    }

    /**
     * Saves the model as a Hugging Face folder: the weights as safetensors (sharded above 5 GB), config.json (the
     * original file when the model was loaded from a folder, so no field is lost; else one written from the config)
     * and the tokenizer and generation files of the source folder. Loading it back gives bit-identical weights.
     */
    public void save(Path dir) throws IOException {
        save(dir, 5L << 30);
    }

    public void save(Path dir, long maxShardBytes) throws IOException {
        java.nio.file.Files.createDirectories(dir);
        dev.lethe.engine.io.SafetensorsWriter.writeModel(dir, weights(), Map.of("format", "pt"), null,
                maxShardBytes);
        Path srcConfig = sourceDir == null ? null : sourceDir.resolve("config.json");
        if (srcConfig != null && java.nio.file.Files.isRegularFile(srcConfig) && !sameFile(srcConfig,
                dir.resolve("config.json"))) {
            java.nio.file.Files.copy(srcConfig, dir.resolve("config.json"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } else if (srcConfig == null || !java.nio.file.Files.isRegularFile(srcConfig)) {
            config.save(dir.resolve("config.json"));
        }
        if (sourceDir != null) {
            for (String f : COMPANION_FILES) {
                Path src = sourceDir.resolve(f);
                if (java.nio.file.Files.isRegularFile(src) && !sameFile(src, dir.resolve(f))) {
                    java.nio.file.Files.copy(src, dir.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static boolean sameFile(Path a, Path b) throws IOException {
        return java.nio.file.Files.exists(b) && java.nio.file.Files.isSameFile(a, b);
    }

    /** A trainable deep copy (fresh weight arrays; weights stored in 16 bits come back as float32 of their values). */
    public CausalLM copy() {
        CausalLM m = new CausalLM(config, copiedWeights(), false);
        m.sourceDir = sourceDir;
        return m;
    }

    /**
     * A frozen deep copy: its parameters are constants, so ops on it record nothing and collect no gradient even on a
     * recording tape. This is the reference model of NPO, DPO, KL and friends: it shares no memory with this model.
     */
    public CausalLM frozenCopy() {
        CausalLM m = new CausalLM(config, copiedWeights(), true);
        m.sourceDir = sourceDir;
        return m;
    }

    /**
     * A frozen model over the same base weight arrays (no copy) with a frozen copy of the attached adapter, if any:
     * the reference model of NPO and friends when only an adapter trains, so the base is held in memory once. Valid
     * only while this model's base weights do not change (LoRA runs freeze them).
     */
    public CausalLM frozenView() {
        CausalLM m = new CausalLM(config, weights(), true);
        m.sourceDir = sourceDir;
        m.sixteenBit.addAll(sixteenBit);
        m.float32Checksum = float32Checksum;
        if (adapter != null) {
            m.attach(adapter.frozenCopy());
        }
        return m;
    }

    private Map<String, INDArray> copiedWeights() {
        Map<String, INDArray> w = new LinkedHashMap<>();
        params.forEach((k, v) -> w.put(k, sixteenBit.contains(k) ? v.value().castTo(dtype) : v.value().dup('c')));
        return w;
    }

    /** The folder this model was loaded from, or null. */
    public Path sourceDir() {
        return sourceDir;
    }

    public ModelConfig config() {
        return config;
    }

    public DataType dtype() {
        return dtype;
    }

    /**
     * Trainable parameters by Hugging Face name, in checkpoint layout order (a tied head appears once), followed by the
     * attached adapter's tensors under their PEFT names (e.g. {@code base_model.model.model.layers.0.self_attn.q_proj
     * .lora_A.weight}).
     */
    public Map<String, Tensor> parameters() {
        if (adapter == null) {
            return Collections.unmodifiableMap(params);
        }
        Map<String, Tensor> all = new LinkedHashMap<>(params);
        all.putAll(adapter.parameters());
        return Collections.unmodifiableMap(all);
    }

    /**
     * Names of the linear layers' weights (the decoder blocks' projections, then an untied output head), the layers
     * a LoRA adapter may target. Each computes x W^T, except those {@link #storesInputFirst} (GPT-2's Conv1D: x W).
     */
    public List<String> linearWeights() {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            String n = e.getKey();
            if (e.getValue().rank() == 2 && !n.equals(layout.embedding()) && !n.equals(layout.learnedPositions())
                    && !n.equals(layout.head())) {
                out.add(n);
            }
        }
        if (!layout.head().equals(layout.embedding())) {
            out.add(layout.head());
        }
        return out;
    }

    /** True for the output head's weight (which {@code all-linear} adapters leave alone). */
    public boolean isOutputHead(String weight) {
        return weight.equals(layout.head());
    }

    /** True when a linear weight is stored [in, out] (GPT-2's Conv1D) rather than nn.Linear's [out, in]. */
    public boolean storesInputFirst(String weight) {
        return layout.conv1d() && !weight.equals(layout.head());
    }

    /**
     * Attaches a LoRA adapter made for this model (replacing any other): every forward adds its low-rank term to the
     * layers it targets, and {@link #parameters()} lists its tensors. The base weights are left as they are.
     */
    public void attach(LoraAdapter lora) {
        lora.checkFits(this);
        if (!lora.targetWeights().containsAll(sixteenBit)) {
            throw new IllegalArgumentException("this model stores " + sixteenBit.size() + " base weights in 16 bits,"
                    + " which only a LoRA adapter targeting each of them reads; the new adapter misses some (e.g. "
                    + sixteenBit.stream().filter(w -> !lora.targetWeights().contains(w)).findFirst().orElseThrow()
                    + "); load the model again in float32 for this adapter");
        }
        this.adapter = lora;
    }

    /** Removes the attached adapter, if any; returns it. */
    public LoraAdapter detach() {
        LoraAdapter a = adapter;
        adapter = null;
        return a;
    }

    /**
     * Turns activation recomputation per decoder block on or off (off by default): when on, a recording forward keeps
     * only each block's input and output and backward recomputes the block ({@link Recompute}); gradients are
     * bit-identical, memory drops by the blocks' intermediates, and each step costs one more forward. LoRA dropout
     * cannot be combined with it (the recomputed masks would differ).
     */
    public void recomputeActivations(boolean on) {
        this.recompute = on;
    }

    public boolean recomputesActivations() {
        return recompute;
    }

    /** The leaves decoder block l reads: its base weights and its adapter tensors. */
    private List<Tensor> layerParameters(int l) {
        String o = layout.layer(l).o();
        String mark = "." + l + ".";
        String prefix = o.substring(0, o.indexOf(mark) + mark.length());
        List<Tensor> out = new ArrayList<>();
        parameters().forEach((name, tensor) -> {
            if (name.startsWith(prefix) || name.startsWith(LoraAdapter.KEY_PREFIX + prefix)) {
                out.add(tensor);
            }
        });
        return out;
    }

    /**
     * Stores the base weights the attached LoRA adapter targets in {@code storage} (BFLOAT16 or HALF) instead of
     * float32, halving their memory: they become frozen constants that the adapter's fused op widens exactly into a
     * float32 scratch array per product ({@link LowRankLinear}), so forward and backward compute bit for bit what a
     * float32 model holding the rounded weights computes. Each float32 array is released as it is replaced, so the map
     * given to the constructor must not be read for those weights afterwards. Adapters saved later record the checksum
     * of the float32 base (taken here), so they load onto and merge into the original model. Other weights
     * (embeddings, norms, the output head) stay float32.
     */
    public void storeAdaptedWeightsIn(DataType storage) {
        if (!LowRankLinear.isNarrow(storage)) {
            throw new IllegalArgumentException("base weights can be stored in BFLOAT16 or HALF, not " + storage);
        }
        if (adapter == null) {
            throw new IllegalStateException("16-bit base storage needs an attached LoRA adapter (only the layers it"
                    + " targets widen their weights per product); attach one first");
        }
        if (dtype != DataType.FLOAT) {
            throw new IllegalArgumentException("16-bit base storage needs a float32 model (compute stays float32),"
                    + " this one is " + dtype);
        }
        if (!sixteenBit.isEmpty()) {
            throw new IllegalStateException("the adapted base weights are already stored in "
                    + params.get(sixteenBit.iterator().next()).dtype());
        }
        float32Checksum = LoraAdapter.checksum(this);
        for (String name : adapter.targetWeights()) {
            INDArray wide = params.get(name).value();
            params.put(name, Tensor.constant(wide.castTo(storage)).named(name));
            sixteenBit.add(name);
            if (wide.closeable()) {
                wide.close();
            }
        }
    }

    /**
     * The storage type a base dtype name selects for {@link #storeAdaptedWeightsIn}: null for float32 (no narrowing),
     * BFLOAT16 for bf16, HALF for f16; an error naming the accepted values otherwise.
     */
    public static DataType sixteenBitStorage(String name) {
        return switch (name) {
            case "float32" -> null;
            case "bf16" -> DataType.BFLOAT16;
            case "f16" -> DataType.HALF;
            default -> throw new IllegalArgumentException("must be float32, bf16 or f16, got '" + name + "'");
        };
    }

    /** The base weights stored in 16 bits (empty unless {@link #storeAdaptedWeightsIn} ran). */
    public Set<String> sixteenBitWeights() {
        return Collections.unmodifiableSet(sixteenBit);
    }

    /** The checksum of the float32 base before its weights were narrowed, or null when none was. */
    String float32Checksum() {
        return float32Checksum;
    }

    /** The attached adapter, or null. */
    public LoraAdapter adapter() {
        return adapter;
    }

    /** Parameter values by name (views of the live weights), e.g. for saving. */
    public Map<String, INDArray> weights() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        params.forEach((k, v) -> m.put(k, v.value()));
        return m;
    }

    public long parameterCount() {
        long n = 0;
        for (Tensor t : params.values()) {
            n += t.length();
        }
        return n;
    }

    private Tensor p(String name) {
        return params.get(name);
    }

    private Tensor pOrNull(String name) {
        return name == null ? null : params.get(name);
    }

    /** Forward without hidden states and without a cache. */
    public Output forward(Tape tape, TokenBatch batch) {
        return forward(tape, batch, null, false);
    }

    /**
     * Runs the model on {@code batch}. With a cache, the batch holds the new positions only; their keys and values
     * are appended to the cache. Returns logits [B, T, V] for the new positions.
     */
    public Output forward(Tape tape, TokenBatch batch, KvCache cache, boolean hiddenStates) {
        return forward(tape, batch, cache, hiddenStates, null, false);
    }

    /**
     * {@link #forward(Tape, TokenBatch, KvCache, boolean)} that returns the logits [B, 1, V] of each row's last position
     * only: what generation needs after a prefill. The output head (vocabulary x hidden per position, 12% of a
     * 256-token prefill of llama-34m) then runs on one position instead of T.
     */
    public Output forwardLast(Tape tape, TokenBatch batch, KvCache cache) {
        return forward(tape, batch, cache, false, null, true);
    }

    /** Forward without a cache with an {@link MlpHook} (null: none) that sees and may change every MLP's output. */
    public Output forward(Tape tape, TokenBatch batch, MlpHook hook) {
        return forward(tape, batch, null, false, hook, false);
    }

    private Output forward(Tape tape, TokenBatch batch, KvCache cache, boolean hiddenStates, MlpHook hook,
            boolean lastOnly) {
        int b = batch.batch();
        int t = batch.length();
        int past = cache == null ? 0 : cache.length();
        if (cache != null && cache.batch() != b) {
            throw new IllegalArgumentException("cache batch " + cache.batch() + " != input batch " + b);
        }
        for (int id : batch.ids()) {
            if (id < 0 || id >= config.vocabSize()) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, "
                        + config.vocabSize() + ")");
            }
        }
        int[] positions = batch.positions();
        if (positions == null) {
            positions = new int[b * t];
            for (int i = 0; i < b; i++) {
                for (int j = 0; j < t; j++) {
                    positions[i * t + j] = past + j;
                }
            }
        }
        int[] keyMask = cache != null ? cache.maskWith(batch.mask(), t) : batch.mask();
        List<Tensor> hidden = new ArrayList<>();
        Tensor x = Indexing.embedding(tape, p(layout.embedding()), batch.ids(), b, t);
        if (layout.learnedPositions() != null) {
            for (int pos : positions) {
                if (pos >= config.maxPositionEmbeddings()) {
                    throw new IllegalArgumentException("position " + pos + " exceeds the model's "
                            + config.maxPositionEmbeddings() + " learned positions");
                }
            }
            x = Elementwise.add(tape, x, Indexing.embedding(tape, p(layout.learnedPositions()), positions, b, t));
        }
        if (layout.embeddingScale()) {
            // Gemma multiplies by sqrt(hidden) rounded to the compute dtype, as transformers does
            double s = Math.sqrt(config.hiddenSize());
            x = Elementwise.mulScalar(tape, x, dtype == DataType.FLOAT ? (double) (float) s : s);
        }
        if (hiddenStates) {
            hidden.add(x);
        }
        INDArray[] cosSin = invFreq == null ? null : rotaryTables(tape, positions, b, t);
        for (int l = 0; l < config.numLayers(); l++) {
            if (recompute && tape.isRecording() && cache == null && hook == null) {
                if (adapter != null && adapter.drawsDropout()) {
                    throw new IllegalStateException("LoRA dropout (" + adapter.config().dropout() + ") cannot be"
                            + " combined with activation recomputation (the recomputed masks would differ): set"
                            + " lora_dropout=0 or recompute=false");
                }
                int layer = l;
                x = Recompute.apply(tape, x, layerParameters(l), (again, in) -> layer(again, layer, in, b, t, keyMask,
                        cosSin, null, null));
            } else {
                x = layer(tape, l, x, b, t, keyMask, cosSin, cache, hook);
            }
            if (hook != null) {
                hook.layerOutput(l, x);
            }
            if (hiddenStates && l < config.numLayers() - 1) {
                hidden.add(x);
            }
        }
        if (cache != null) {
            cache.advance(t);
        }
        if (lastOnly && t > 1) {
            x = Shaping.slice(tape, x, 1, t - 1, t);
        }
        x = norm(tape, x, layout.finalNorm());
        if (hiddenStates) {
            hidden.add(x);
        }
        Tensor logits = project(tape, x, layout.head(), layout.headBias());
        return new Output(logits, hidden);
    }

    private Tensor layer(Tape tape, int l, Tensor x, int b, int t, int[] keyMask, INDArray[] cosSin, KvCache cache,
            MlpHook hook) {
        FamilyLayout.LayerNames n = layout.layer(l);
        switch (layout.block()) {
            case SEQUENTIAL -> {
                Tensor a = attention(tape, l, n, norm(tape, x, n.inputNorm()), b, t, keyMask, cosSin, cache);
                x = Elementwise.add(tape, x, a);
                Tensor m = mlp(tape, l, n, norm(tape, x, n.postAttentionNorm()), hook);
                return Elementwise.add(tape, x, m);
            }
            case POST_NORM -> {
                Tensor a = attention(tape, l, n, x, b, t, keyMask, cosSin, cache);
                x = Elementwise.add(tape, x, norm(tape, a, n.postAttentionNorm()));
                Tensor m = mlp(tape, l, n, x, hook);
                return Elementwise.add(tape, x, norm(tape, m, n.postMlpNorm()));
            }
            case PARALLEL -> {
                Tensor h = norm(tape, x, n.inputNorm());
                Tensor a = attention(tape, l, n, h, b, t, keyMask, cosSin, cache);
                Tensor m = mlp(tape, l, n, h, hook);
                return Elementwise.add(tape, Elementwise.add(tape, a, m), x);
            }
            default -> throw new IllegalStateException();
        }
    }

    private Tensor norm(Tape tape, Tensor x, FamilyLayout.Norm norm) {
        Tensor w = pOrNull(norm.weight());
        Tensor bias = pOrNull(norm.bias());
        return switch (norm.kind()) {
            case RMS -> Normalization.rmsNorm(tape, x, w, config.normEps(), false);
            case RMS_ONE_PLUS -> Normalization.rmsNorm(tape, x, w, config.normEps(), true);
            case LAYER -> Normalization.layerNorm(tape, x, w, bias, config.normEps());
        };
    }

    /** A linear layer (Conv1D for GPT-2's blocks), through the attached adapter when it targets the layer. */
    private Tensor project(Tape tape, Tensor x, String weight, String bias) {
        boolean inputFirst = storesInputFirst(weight);
        Tensor adapted = adapter == null ? null : adapter.linear(tape, x, p(weight), inputFirst, weight);
        if (adapted != null) {
            return biasAdd(tape, adapted, pOrNull(bias));
        }
        if (sixteenBit.contains(weight)) {
            throw new IllegalStateException("weight " + weight + " is stored in " + p(weight).dtype() + " and is read"
                    + " only through a LoRA adapter that targets it; attach one (or load the model again in float32)");
        }
        return inputFirst
                ? biasAdd(tape, MatMul.matmul(tape, x, p(weight)), pOrNull(bias))
                : MatMul.linear(tape, x, p(weight), pOrNull(bias));
    }

    private static Tensor biasAdd(Tape tape, Tensor y, Tensor bias) {
        return bias == null ? y : Elementwise.add(tape, y, bias);
    }

    private Tensor attention(Tape tape, int l, FamilyLayout.LayerNames n, Tensor h, int b, int t, int[] keyMask,
            INDArray[] cosSin, KvCache cache) {
        int heads = config.numHeads();
        int kvHeads = config.numKvHeads();
        int dh = config.headDim();
        Tensor q;
        Tensor k;
        Tensor v;
        if (n.fusedQkv() != null) {
            Tensor qkv = project(tape, h, n.fusedQkv(), n.fusedQkvBias());
            long d = (long) heads * dh;
            q = Shaping.slice(tape, qkv, 2, 0, d);
            k = Shaping.slice(tape, qkv, 2, d, 2 * d);
            v = Shaping.slice(tape, qkv, 2, 2 * d, 3 * d);
        } else {
            q = project(tape, h, n.q(), n.qBias());
            k = project(tape, h, n.k(), n.kBias());
            v = project(tape, h, n.v(), n.vBias());
        }
        if (config.clipQkv() != null) {
            double c = config.clipQkv();
            q = Elementwise.clamp(tape, q, -c, c);
            k = Elementwise.clamp(tape, k, -c, c);
            v = Elementwise.clamp(tape, v, -c, c);
        }
        if (n.qNorm() != null) {
            q = Normalization.rmsNorm(tape, q, p(n.qNorm()), config.normEps(), false);
            k = Normalization.rmsNorm(tape, k, p(n.kNorm()), config.normEps(), false);
        }
        q = Shaping.permute(tape, Shaping.reshape(tape, q, b, t, heads, dh), 0, 2, 1, 3);
        k = Shaping.permute(tape, Shaping.reshape(tape, k, b, t, kvHeads, dh), 0, 2, 1, 3);
        v = Shaping.permute(tape, Shaping.reshape(tape, v, b, t, kvHeads, dh), 0, 2, 1, 3);
        if (cosSin != null) {
            q = Rope.apply(tape, q, cosSin[0], cosSin[1], rotaryDim);
            k = Rope.apply(tape, k, cosSin[0], cosSin[1], rotaryDim);
        }
        if (cache != null) {
            int past = cache.length();
            INDArray ck = cache.keys(l);
            INDArray cv = cache.values(l);
            Loops.copy(k.value(), ck.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(past, past + t),
                    NDArrayIndex.all()));
            Loops.copy(v.value(), cv.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(past, past + t),
                    NDArrayIndex.all()));
            k = tape.constant(ck.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, past + t),
                    NDArrayIndex.all()));
            v = tape.constant(cv.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, past + t),
                    NDArrayIndex.all()));
        }
        Tensor a = Attention.causalSelfAttention(tape, q, k, v, keyMask, 1.0 / Math.sqrt(dh));
        a = Shaping.reshape(tape, a, b, t, (long) heads * dh);
        return project(tape, a, n.o(), n.oBias());
    }

    private Tensor mlp(Tape tape, int l, FamilyLayout.LayerNames n, Tensor h, MlpHook hook) {
        Tensor hidden;
        if (n.gate() != null) {
            Tensor gate = project(tape, h, n.gate(), null);
            Tensor up = project(tape, h, n.up(), null);
            boolean silu = config.activation().equals("silu") || config.activation().equals("swish");
            hidden = silu ? Elementwise.swiglu(tape, gate, up) : Elementwise.mul(tape, activation(tape, gate), up);
        } else {
            hidden = activation(tape, project(tape, h, n.up(), n.upBias()));
        }
        Tensor out = project(tape, hidden, n.down(), n.downBias());
        return hook == null ? out : hook.down(tape, l, hidden, out);
    }

    /**
     * Name of layer {@code l}'s MLP output matrix (the down-projection): [D, F] as torch.nn.Linear stores it, or
     * [F, D] for GPT-2's Conv1D (see {@link #mlpOutputIsConv1d}).
     */
    public String mlpOutputWeight(int l) {
        if (l < 0 || l >= config.numLayers()) {
            throw new IllegalArgumentException("layer " + l + " is out of range: the model has " + config.numLayers()
                    + " layers (0.." + (config.numLayers() - 1) + ")");
        }
        return layout.layer(l).down();
    }

    /** Name of layer {@code l}'s MLP output bias, or null when the family has none. */
    public String mlpOutputBias(int l) {
        mlpOutputWeight(l);
        return layout.layer(l).downBias();
    }

    /** True when MLP matrices are stored [in, out] (GPT-2's Conv1D) rather than [out, in]. */
    public boolean mlpOutputIsConv1d() {
        return layout.conv1d();
    }

    private Tensor activation(Tape tape, Tensor x) {
        return switch (config.activation()) {
            case "silu", "swish" -> Elementwise.silu(tape, x);
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "gelu_tanh" -> Elementwise.geluTanh(tape, x);
            case "gelu" -> Elementwise.geluErf(tape, x);
            case "relu" -> Elementwise.relu(tape, x);
            default -> throw new IllegalArgumentException("activation '" + config.activation() + "' in config.json is not"
                    + " supported (silu, gelu, gelu_new, gelu_pytorch_tanh, relu)");
        };
    }

    /**
     * cos and sin tables [Bc, T, R/2] for the given positions (Bc = 1 when every row has the same positions). Angles
     * are formed in float32 for float32 models, as transformers does (inv_freq @ positions in float32).
     */
    private INDArray[] rotaryTables(Tape tape, int[] positions, int b, int t) {
        boolean shared = true;
        for (int i = 1; i < b && shared; i++) {
            for (int j = 0; j < t; j++) {
                if (positions[i * t + j] != positions[j]) {
                    shared = false;
                    break;
                }
            }
        }
        int bc = shared ? 1 : b;
        int half = invFreq.length;
        INDArray cos = tape.allocate(dtype, bc, t, half);
        INDArray sin = tape.allocate(dtype, bc, t, half);
        Buf pc = Buf.of(cos);
        Buf ps = Buf.of(sin);
        boolean f32 = dtype == DataType.FLOAT;
        for (int i = 0; i < bc; i++) {
            for (int j = 0; j < t; j++) {
                int pos = positions[i * t + j];
                for (int k = 0; k < half; k++) {
                    double angle = f32 ? (double) ((float) pos * (float) invFreq[k]) : pos * invFreq[k];
                    pc.set((i * t + j) * half + k, Math.cos(angle));
                    ps.set((i * t + j) * half + k, Math.sin(angle));
                }
            }
        }
        return new INDArray[] {cos, sin};
    }
}
