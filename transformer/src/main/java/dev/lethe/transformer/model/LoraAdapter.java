package dev.lethe.transformer.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.engine.kernel.Profile;
import dev.lethe.engine.ops.Dropout;
import dev.lethe.engine.ops.LowRankLinear;
import dev.lethe.engine.io.SafetensorsFile;
import dev.lethe.engine.io.SafetensorsWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A LoRA adapter (arXiv 2106.09685): for each targeted linear layer W [out, in] a pair A [r, in], B [out, r], and the
 * layer computes h = W x + s B A dropout(x) (eq. 3, s = alpha / r or rsLoRA's alpha / sqrt r) as two thin products,
 * never forming W + s B A. A starts Kaiming-uniform (bound 1 / sqrt(in), PEFT's default) and B at zero, so a fresh
 * adapter leaves the model unchanged. Files follow Hugging Face PEFT: {@code adapter_config.json} and
 * {@code adapter_model.safetensors} with keys {@code base_model.model.<module>.lora_A.weight}; Lethe also records a
 * SHA-256 of the base weights in the safetensors metadata and refuses to load onto a different base.
 */
public final class LoraAdapter {
    public static final String CONFIG_FILE = "adapter_config.json";
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";
    /** PEFT's prefix of saved keys (PeftModel.base_model.model = the transformers model). */
    public static final String KEY_PREFIX = "base_model.model.";
    /** Metadata key of adapter_model.safetensors holding the SHA-256 of the base weights (see {@link #checksum}). */
    public static final String CHECKSUM_KEY = "lethe_base_sha256";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One adapted layer: A [r, in] and B [out, r]. */
    private record Pair(Tensor a, Tensor b) {
    }

    private final LoraConfig config;
    private final Map<String, Pair> layers;
    private final String recordedChecksum;
    private Random dropoutRng;

    private LoraAdapter(LoraConfig config, Map<String, Pair> layers, String recordedChecksum) {
        this.config = config;
        this.layers = layers;
        this.recordedChecksum = recordedChecksum;
    }

    /** A fresh adapter on the layers of {@code base} that {@code config.targets()} selects; deterministic per seed. */
    public static LoraAdapter create(CausalLM base, LoraConfig config, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, Pair> layers = new LinkedHashMap<>();
        for (String w : targets(base, config)) {
            long[] io = inOut(base, w);
            INDArray a = Nd4j.createUninitialized(base.dtype(), config.rank(), io[0]);
            double bound = 1.0 / Math.sqrt(io[0]);
            Buf pa = Buf.of(a);
            for (int i = 0; i < a.length(); i++) {
                pa.set(i, bound * (2 * rnd.nextDouble() - 1));
            }
            INDArray b = Nd4j.zeros(base.dtype(), io[1], config.rank());
            layers.put(w, new Pair(Tensor.parameter(key(w, "A"), a), Tensor.parameter(key(w, "B"), b)));
        }
        return new LoraAdapter(config, layers, null);
    }

    /** The linear weights of {@code base} the config targets; an error when none. */
    static List<String> targets(CausalLM base, LoraConfig config) {
        boolean all = config.targets().equals(LoraConfig.ALL_LINEAR);
        Pattern p = all ? null : Pattern.compile(config.targets());
        List<String> out = new ArrayList<>();
        List<String> modules = new ArrayList<>();
        for (String w : base.linearWeights()) {
            modules.add(module(w));
            if (all ? !base.isOutputHead(w) : p.matcher(module(w)).matches()) {
                out.add(w);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("LoRA targets /" + config.targets() + "/ match no linear layer of this "
                    + "model; the regex must match a whole module name such as " + modules.subList(0,
                    Math.min(3, modules.size())) + " (or use all-linear)");
        }
        return out;
    }

    /** {in, out} of a linear weight. */
    private static long[] inOut(CausalLM base, String w) {
        long[] s = base.parameters().get(w).shape();
        return base.storesInputFirst(w) ? new long[] {s[0], s[1]} : new long[] {s[1], s[0]};
    }

    private static String module(String weight) {
        return weight.endsWith(".weight") ? weight.substring(0, weight.length() - ".weight".length()) : weight;
    }

    /** PEFT's saved key of a layer's A or B matrix, e.g. base_model.model.model.layers.0.mlp.up_proj.lora_A.weight. */
    public static String key(String weight, String which) {
        return KEY_PREFIX + module(weight) + ".lora_" + which + ".weight";
    }

    public LoraConfig config() {
        return config;
    }

    /** The base weights this adapter modifies, in model order. */
    public List<String> targetWeights() {
        return List.copyOf(layers.keySet());
    }

    /** The adapter's tensors by PEFT key (A then B per layer). */
    public Map<String, Tensor> parameters() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        layers.values().forEach(p -> {
            m.put(p.a().name(), p.a());
            m.put(p.b().name(), p.b());
        });
        return m;
    }

    /** Number of adapter parameters. */
    public long parameterCount() {
        return parameters().values().stream().mapToLong(Tensor::length).sum();
    }

    /**
     * Training mode: dropout (when the config has one) draws from a stream seeded here, so a step that reseeds with
     * the same value sees the same masks (bit-exact resume).
     */
    public void train(long dropoutSeed) {
        dropoutRng = config.dropout() > 0 ? new Random(dropoutSeed) : null;
    }

    /** True in training mode with a dropout probability above 0. */
    public boolean drawsDropout() {
        return dropoutRng != null;
    }

    /** Inference mode (no dropout); the default. */
    public void eval() {
        dropoutRng = null;
    }

    /**
     * x op(W) + s B A dropout(x) for {@code weight}'s layer (op(W) = W^T, or W when {@code inputFirst}, GPT-2's
     * Conv1D), without bias, as one fused op; null when this adapter does not target the layer.
     */
    public Tensor linear(Tape tape, Tensor x, Tensor w, boolean inputFirst, String weight) {
        Pair p = layers.get(weight);
        if (p == null) {
            return null;
        }
        Tensor in = dropoutRng == null ? x : Dropout.apply(tape, x, config.dropout(), true, dropoutRng);
        // arXiv 2106.09685 eq. 3: h = W0 x + (alpha / r) B A x
        return LowRankLinear.apply(tape, x, w, inputFirst, in, p.a(), p.b(), config.scale());
    }

    /** A copy whose tensors are constants (fresh arrays): the adapter part of a frozen reference model. */
    public LoraAdapter frozenCopy() {
        Map<String, Pair> m = new LinkedHashMap<>();
        layers.forEach((w, p) -> m.put(w, new Pair(Tensor.constant(p.a().value().dup('c')).named(p.a().name()),
                Tensor.constant(p.b().value().dup('c')).named(p.b().name()))));
        return new LoraAdapter(config, m, recordedChecksum);
    }

    /** Fails with a message naming the layer when {@code base} lacks a targeted layer or its shape does not fit. */
    public void checkFits(CausalLM base) {
        List<String> linear = base.linearWeights();
        layers.forEach((w, p) -> {
            if (!linear.contains(w)) {
                throw new IllegalArgumentException("LoRA adapter targets " + module(w) + ", which is not a linear "
                        + "layer of this " + base.config().modelType() + " model; was the adapter made for another base?");
            }
            long[] io = inOut(base, w);
            long r = p.a().shape()[0];
            if (!Arrays.equals(p.a().shape(), new long[] {r, io[0]}) || !Arrays.equals(p.b().shape(),
                    new long[] {io[1], r})) {
                throw new IllegalArgumentException("LoRA adapter layer " + module(w) + " has A " + Arrays.toString(
                        p.a().shape()) + " and B " + Arrays.toString(p.b().shape()) + " but the base layer maps "
                        + io[0] + " -> " + io[1] + " features (A must be [r, " + io[0] + "], B [" + io[1] + ", r]);"
                        + " was the adapter made for another base?");
            }
            if (p.a().dtype() != base.dtype()) {
                throw new IllegalArgumentException("LoRA adapter is " + p.a().dtype() + " but the model is "
                        + base.dtype());
            }
        });
    }

    /**
     * Writes {@code adapter_config.json} and {@code adapter_model.safetensors} (PEFT's layout, loadable by
     * {@code PeftModel.from_pretrained}) for an adapter trained on {@code base}.
     */
    public void save(Path dir, CausalLM base) throws IOException {
        checkFits(base);
        Files.createDirectories(dir);
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        parameters().forEach((k, t) -> tensors.put(k, t.value()));
        SafetensorsWriter.write(dir.resolve(WEIGHTS_FILE), tensors, Map.of("format", "pt", CHECKSUM_KEY,
                checksum(base)));
        ObjectNode c = JSON.createObjectNode();
        c.put("peft_type", "LORA");
        c.put("task_type", "CAUSAL_LM");
        c.put("base_model_name_or_path", base.sourceDir() == null ? null : base.sourceDir().toString());
        c.put("r", config.rank());
        c.put("lora_alpha", config.alpha());
        c.put("lora_dropout", config.dropout());
        c.put("use_rslora", config.rsLora());
        c.put("target_modules", savedTargets());
        c.put("fan_in_fan_out", layers.keySet().stream().anyMatch(base::storesInputFirst));
        c.put("bias", "none");
        c.putNull("modules_to_save");
        c.put("init_lora_weights", true);
        c.put("inference_mode", true);
        c.put("use_dora", false);
        c.putObject("rank_pattern");
        c.putObject("alpha_pattern");
        c.putNull("layers_to_transform");
        c.putNull("layers_pattern");
        c.putNull("revision");
        Files.writeString(dir.resolve(CONFIG_FILE), JSON.writeValueAsString(c));
    }

    /** A regex PEFT full-matches against module names that selects exactly the adapted layers. */
    private String savedTargets() {
        if (!config.targets().equals(LoraConfig.ALL_LINEAR)) {
            return config.targets();
        }
        List<String> names = layers.keySet().stream().map(w -> Pattern.quote(module(w))).toList();
        return "(" + String.join("|", names) + ")";
    }

    /**
     * Loads a PEFT LoRA adapter folder (made by Lethe or by PEFT) for {@code base}: checks the config's fields, that
     * every key names a linear layer of the base with fitting shapes, and the recorded base checksum if any.
     */
    public static LoraAdapter load(Path dir, CausalLM base) throws IOException {
        Path cfgFile = dir.resolve(CONFIG_FILE);
        Path wFile = dir.resolve(WEIGHTS_FILE);
        for (Path f : List.of(cfgFile, wFile)) {
            if (!Files.isRegularFile(f)) {
                throw new IllegalArgumentException(f + ": missing; a LoRA adapter folder holds " + CONFIG_FILE + " and "
                        + WEIGHTS_FILE + " (adapter_model.bin is not read: pickles are never loaded)");
            }
        }
        LoraConfig config = readConfig(cfgFile);
        Map<String, INDArray[]> pairs = new LinkedHashMap<>();
        String recorded;
        try (SafetensorsFile st = SafetensorsFile.open(wFile)) {
            recorded = st.metadata().get(CHECKSUM_KEY);
            for (String k : st.names()) {
                boolean isA = k.endsWith(".lora_A.weight");
                if (!k.startsWith(KEY_PREFIX) || !isA && !k.endsWith(".lora_B.weight")) {
                    throw new IllegalArgumentException(wFile + ": tensor '" + k + "' is not a LoRA A/B weight named "
                            + KEY_PREFIX + "<module>.lora_A.weight / .lora_B.weight (only plain LoRA adapters load)");
                }
                String w = k.substring(KEY_PREFIX.length(), k.length() - ".lora_A.weight".length()) + ".weight";
                INDArray v = base.dtype() == DataType.DOUBLE ? st.readFloat64(k) : st.readFloat32(k);
                pairs.computeIfAbsent(w, x -> new INDArray[2])[isA ? 0 : 1] = v;
            }
        }
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException(wFile + ": holds no LoRA weights");
        }
        List<String> order = new ArrayList<>(base.linearWeights());
        for (String w : pairs.keySet()) {
            if (!order.contains(w)) {
                throw new IllegalArgumentException(wFile + ": names layer " + module(w) + ", which is not a linear "
                        + "layer of this " + base.config().modelType() + " model; was the adapter made for another base?");
            }
        }
        order.retainAll(pairs.keySet());
        Map<String, Pair> layers = new LinkedHashMap<>();
        for (String w : order) {
            INDArray[] ab = pairs.get(w);
            if (ab[0] == null || ab[1] == null) {
                throw new IllegalArgumentException(wFile + ": layer " + module(w) + " has only lora_"
                        + (ab[0] == null ? "B" : "A") + "; both A and B are needed");
            }
            if (ab[0].size(0) != config.rank()) {
                throw new IllegalArgumentException(wFile + ": layer " + module(w) + " has rank " + ab[0].size(0)
                        + " but " + CONFIG_FILE + " field r = " + config.rank());
            }
            layers.put(w, new Pair(Tensor.parameter(key(w, "A"), ab[0]), Tensor.parameter(key(w, "B"), ab[1])));
        }
        LoraAdapter adapter = new LoraAdapter(config, layers, recorded);
        adapter.checkFits(base);
        if (recorded != null && !recorded.equals(checksum(base))) {
            throw new IllegalArgumentException(wFile + ": metadata " + CHECKSUM_KEY + " = " + recorded + " records a"
                    + " different base model than the one given (" + checksum(base) + "); pass the model the adapter"
                    + " was trained on");
        }
        return adapter;
    }

    private static LoraConfig readConfig(Path file) throws IOException {
        JsonNode c;
        try {
            c = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not valid JSON (" + e.getMessage() + ")", e);
        }
        if (!"LORA".equals(c.path("peft_type").asText("LORA"))) {
            throw new IllegalArgumentException(file + ": peft_type is " + c.get("peft_type") + "; only LORA adapters"
                    + " load");
        }
        refuseIf(file, c.path("use_dora").asBoolean(false), "use_dora", "true (DoRA is not supported)");
        refuseIf(file, !c.path("bias").asText("none").equals("none"), "bias", "'" + c.path("bias").asText()
                + "' (only 'none' is supported)");
        refuseIf(file, c.hasNonNull("modules_to_save") && !c.get("modules_to_save").isEmpty(), "modules_to_save",
                "non-empty (fully trained extra modules are not supported)");
        refuseIf(file, c.has("rank_pattern") && !c.get("rank_pattern").isEmpty(), "rank_pattern",
                "non-empty (per-layer ranks are not supported)");
        refuseIf(file, c.has("alpha_pattern") && !c.get("alpha_pattern").isEmpty(), "alpha_pattern",
                "non-empty (per-layer alphas are not supported)");
        if (!c.path("r").canConvertToInt() || !c.path("r").isIntegralNumber()) {
            throw new IllegalArgumentException(file + ": field r must be a positive integer, got " + c.get("r"));
        }
        JsonNode t = c.path("target_modules");
        String targets;
        if (t.isTextual()) {
            targets = t.asText();
        } else if (t.isArray() && !t.isEmpty()) {
            // PEFT's list semantics: a module matches when its name equals an entry or ends with "." + entry
            List<String> names = new ArrayList<>();
            t.forEach(n -> names.add(Pattern.quote(n.asText())));
            targets = "(.*\\.)?(" + String.join("|", names) + ")";
        } else {
            targets = LoraConfig.ALL_LINEAR;
        }
        try {
            return new LoraConfig(c.path("r").asInt(), c.path("lora_alpha").asDouble(8), c.path("lora_dropout")
                    .asDouble(0), c.path("use_rslora").asBoolean(false), targets);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    private static void refuseIf(Path file, boolean bad, String field, String what) {
        if (bad) {
            throw new IllegalArgumentException(file + ": field " + field + " is " + what);
        }
    }

    /**
     * A copy of {@code base} with each adapted weight replaced by W + s B A (transposed for Conv1D layers): the
     * merged model computes what base + adapter computes, with no adapter attached.
     */
    public CausalLM mergeInto(CausalLM base) {
        checkFits(base);
        CausalLM merged = base.copy();
        Map<String, INDArray> w = merged.weights();
        layers.forEach((name, p) -> {
            INDArray a = p.a().value();
            INDArray b = p.b().value();
            if (base.storesInputFirst(name)) {
                Profile.gemm(a, b, w.get(name), true, true, config.scale(), 1.0);
            } else {
                Profile.gemm(b, a, w.get(name), false, false, config.scale(), 1.0);
            }
        });
        return merged;
    }

    /**
     * SHA-256 over the base weights' names, shapes and float32 values (row-major, little-endian), identifying the
     * model an adapter was trained on independently of the dtype it was loaded in (for a base whose adapted weights
     * are stored in 16 bits, the checksum of its float32 weights before narrowing).
     */
    public static String checksum(CausalLM base) {
        if (base.float32Checksum() != null) {
            return base.float32Checksum();
        }
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
        for (Map.Entry<String, INDArray> e : base.weights().entrySet()) {
            md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
            INDArray v = e.getValue();
            ByteBuffer shape = ByteBuffer.allocate(8 * v.rank());
            for (long s : v.shape()) {
                shape.putLong(s);
            }
            md.update(shape.array());
            INDArray f = v.dataType() == DataType.FLOAT && v.ordering() == 'c' && !v.isView()
                    ? v : v.castTo(DataType.FLOAT).dup('c');
            md.update(f.data().asNio().order(java.nio.ByteOrder.LITTLE_ENDIAN));
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
