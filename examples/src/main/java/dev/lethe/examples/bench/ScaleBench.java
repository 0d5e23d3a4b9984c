package dev.lethe.examples.bench;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.ParameterSet;
import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.engine.ops.Elementwise;
import dev.lethe.engine.ops.Reductions;
import dev.lethe.optim.AdamW;
import dev.lethe.optim.Trainable;
import dev.lethe.transformer.config.ModelConfig;
import dev.lethe.transformer.model.LoraAdapter;
import dev.lethe.transformer.model.LoraConfig;
import dev.lethe.transformer.model.CausalLM;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Unlearning at the 1B scale on a CPU machine: NPO on a forget batch plus the retain NLL (arXiv 2404.05868, eq. 3 with
 * the GradDiff-style retain term) on an OLMo-1B-shaped Llama (d 2048, 16 layers, 16 heads, SwiGLU 8192, vocab 50304,
 * tied embeddings: 1.18B parameters, float32, random N(0, 0.02) weights), training only a parameter subset chosen by
 * a regular expression (RMU's layer selection by default: the MLP down projections of layers 5-7), or a LoRA adapter
 * of rank r on every attention and MLP projection (the base frozen, optionally stored in bf16 or f16), optionally with
 * activation recomputation per decoder block.
 *
 * <p>Memory plan: parameters outside the subset do not require gradients, so no weight gradient or optimizer state
 * exists for them and backward stops below the lowest trainable layer's inputs. The reference model of NPO is the
 * model before unlearning; since only the subset moves, its log-likelihood of a batch is a constant computed once per
 * batch before the first update (here: one forget batch, reused every step) instead of a second 4.7 GB model copy.
 */
public final class ScaleBench {
    /** Shapes, batch and subset of one run. */
    public record Options(int layers, int hidden, int intermediate, int heads, int vocab, int batch, int seq,
                          int steps, String trainable, double beta, double alpha, double lr, int loraRank,
                          boolean recompute, String baseDtype) {
        public Options {
            if (layers < 1 || hidden < 1 || heads < 1 || hidden % heads != 0 || vocab < 2 || batch < 1 || seq < 2
                    || steps < 1 || intermediate < 1 || loraRank < 0) {
                throw new IllegalArgumentException("scale bench: need positive sizes, hidden divisible by heads, seq"
                        + " >= 2, steps >= 1, lora rank >= 0");
            }
            try {
                CausalLM.sixteenBitStorage(baseDtype);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("scale bench: --base-dtype " + e.getMessage(), e);
            }
            if (!baseDtype.equals("float32") && loraRank == 0) {
                throw new IllegalArgumentException("scale bench: --base-dtype " + baseDtype + " stores the frozen base"
                        + " under a LoRA adapter; add --lora-rank R");
            }
        }

        /** The OLMo-1B-like default: 1.18B parameters, batch 2 x 256 for each of forget and retain. */
        public static Options defaults() {
            return new Options(16, 2048, 8192, 16, 50304, 2, 256, 2,
                    "model\\.layers\\.(5|6|7)\\.mlp\\.down_proj\\.weight", 0.1, 1.0, 1e-5, 0, false, "float32");
        }
    }

    /** Timings and memory of one run. */
    public record Result(Options options, long params, long trainableParams, double initSeconds,
                         double referenceSeconds, double stepSeconds, long peakRssBytes, double npoLoss,
                         double retainLoss) {
        public String toJson() {
            Options o = options;
            return String.format(Locale.ROOT, "{\"bench\":\"scale\",\"mode\":\"npo+retain\",\"lora_rank\":%d,"
                    + "\"base_dtype\":\"%s\",\"recompute\":%b,\"layers\":%d,\"hidden\":%d,"
                    + "\"intermediate\":%d,\"vocab\":%d,\"batch\":%d,\"seq\":%d,\"steps\":%d,\"params\":%d,"
                    + "\"trainable\":\"%s\",\"trainable_params\":%d,\"threads\":\"%s\",\"init_s\":%.1f,"
                    + "\"reference_s\":%.2f,\"step_s\":%.2f,\"tokens_per_s\":%.1f,\"peak_rss_mb\":%.0f,"
                    + "\"npo_loss\":%.5f,\"retain_nll\":%.5f}", o.loraRank(), o.baseDtype(), o.recompute(), o.layers(), o.hidden(), o.intermediate(), o.vocab(),
                    o.batch(), o.seq(), o.steps(), params, o.loraRank() > 0 ? "lora_[AB] of every projection"
                    : o.trainable().replace("\\", "\\\\"), trainableParams,
                    System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"), initSeconds, referenceSeconds,
                    stepSeconds, 2.0 * o.batch() * o.seq() / stepSeconds, peakRssBytes / 1048576.0, npoLoss,
                    retainLoss);
        }
    }

    private ScaleBench() {
    }

    /** The config.json of the model (a Llama with OLMo-1B's sizes and tied embeddings). */
    public static ModelConfig config(Options o) {
        String json = String.format(Locale.ROOT, "{\"model_type\":\"llama\",\"architectures\":[\"LlamaForCausalLM\"],"
                + "\"vocab_size\":%d,\"hidden_size\":%d,\"intermediate_size\":%d,\"num_hidden_layers\":%d,"
                + "\"num_attention_heads\":%d,\"num_key_value_heads\":%d,\"max_position_embeddings\":4096,"
                + "\"rms_norm_eps\":1e-5,\"rope_theta\":10000.0,\"hidden_act\":\"silu\",\"tie_word_embeddings\":true}",
                o.vocab(), o.hidden(), o.intermediate(), o.layers(), o.heads(), o.heads());
        return ModelConfig.parse(json, "scale bench");
    }

    /** Runs one warm-up step and {@code steps} timed steps. */
    public static Result run(Options o) {
        long t0 = System.nanoTime();
        ModelConfig cfg = config(o);
        CausalLM model = new CausalLM(cfg, randomWeights(cfg, 0, 0.02f));
        model.recomputeActivations(o.recompute());
        List<Tensor> trainable;
        if (o.loraRank() > 0) {
            LoraAdapter lora = LoraAdapter.create(model, new LoraConfig(o.loraRank(), 2.0 * o.loraRank(), 0, false,
                    LoraConfig.ALL_LINEAR), 0);
            model.attach(lora);
            DataType storage = CausalLM.sixteenBitStorage(o.baseDtype());
            if (storage != null) {
                model.storeAdaptedWeightsIn(storage);
            }
            trainable = List.copyOf(lora.parameters().values());
        } else {
            trainable = Trainable.select(model.parameters().values(), o.trainable());
        }
        for (Tensor p : model.parameters().values()) {
            p.requiresGrad(trainable.contains(p));
        }
        long trainableParams = trainable.stream().mapToLong(p -> p.value().length()).sum();
        double initS = (System.nanoTime() - t0) / 1e9;
        int b = o.batch();
        int t = o.seq();
        int[] forget = TrainBench.randomTokens(1, b * t, cfg.vocabSize());
        int[] retain = TrainBench.randomTokens(2, b * t, cfg.vocabSize());
        BufferPool pool = new BufferPool();
        long r0 = System.nanoTime();
        INDArray refNll;
        try (Tape tape = Tape.inference(pool)) {
            refNll = TrainBench.nll(tape, model, forget, b, t).value().dup();
        }
        double refS = (System.nanoTime() - r0) / 1e9;
        ParameterSet values = ParameterSet.values(trainable);
        AdamW opt = new AdamW(o.lr());
        double[] losses = new double[2];
        step(o, model, trainable, values, opt, pool, forget, retain, refNll, losses); // warm-up
        long s0 = System.nanoTime();
        for (int s = 0; s < o.steps(); s++) {
            step(o, model, trainable, values, opt, pool, forget, retain, refNll, losses);
        }
        double stepS = (System.nanoTime() - s0) / 1e9 / o.steps();
        return new Result(o, model.parameterCount(), trainableParams, initS, refS, stepS, TrainBench.peakRssBytes(),
                losses[0], losses[1]);
    }

    private static void step(Options o, CausalLM model, List<Tensor> trainable, ParameterSet values, AdamW opt,
            BufferPool pool, int[] forget, int[] retain, INDArray refNll, double[] losses) {
        for (Tensor p : trainable) {
            p.zeroGrad();
        }
        int b = o.batch();
        int t = o.seq();
        try (Tape tape = Tape.recording(pool)) {
            // NPO: -(2/beta) log sigmoid(-beta (log pi_theta - log pi_ref)) with log pi = -NLL
            Tensor policyNll = TrainBench.nll(tape, model, forget, b, t);
            Tensor logRatio = Elementwise.sub(tape, Tensor.constant(refNll), policyNll);
            Tensor ls = Elementwise.logSigmoid(tape, Elementwise.mulScalar(tape, logRatio, -o.beta()));
            Tensor npo = Reductions.meanAll(tape, Elementwise.mulScalar(tape, ls, -2 / o.beta()));
            tape.backward(npo);
            losses[0] = npo.item();
        }
        try (Tape tape = Tape.recording(pool)) {
            Tensor nll = Reductions.meanAll(tape, TrainBench.nll(tape, model, retain, b, t));
            tape.backward(o.alpha() == 1.0 ? nll : Elementwise.mulScalar(tape, nll, o.alpha()));
            losses[1] = nll.item();
        }
        opt.step(values, ParameterSet.gradients(trainable));
    }

    /**
     * N(0, std) weights (norm weights 1), filled through heap chunks on all cores: a 1.2B-parameter model takes
     * seconds instead of the minute that element-wise initialisation needs. Deterministic for a seed (each tensor has
     * its own stream split from it).
     */
    static Map<String, INDArray> randomWeights(ModelConfig cfg, long seed, float std) {
        Map<String, INDArray> w = new LinkedHashMap<>();
        SplittableRandom root = new SplittableRandom(seed);
        Map<String, long[]> shapes = CausalLM.expectedShapes(cfg);
        Map<String, SplittableRandom> streams = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            w.put(e.getKey(), Nd4j.createUninitialized(DataType.FLOAT, e.getValue()));
            streams.put(e.getKey(), root.split());
        }
        w.entrySet().parallelStream().forEach(e -> {
            INDArray a = e.getValue();
            FloatBuffer f = Buf.of(a).floats();
            boolean norm = e.getKey().contains("norm");
            SplittableRandom rnd = streams.get(e.getKey());
            float[] chunk = new float[1 << 16];
            for (long off = 0; off < a.length(); off += chunk.length) {
                int n = (int) Math.min(chunk.length, a.length() - off);
                for (int i = 0; i < n; i++) {
                    chunk[i] = norm ? 1f : (float) (std * gaussian(rnd));
                }
                f.put((int) off, chunk, 0, n);
            }
        });
        return w;
    }

    private static double gaussian(SplittableRandom rnd) {
        double u1 = rnd.nextDouble();
        double u2 = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
