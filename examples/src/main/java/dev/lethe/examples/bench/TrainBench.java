package dev.lethe.examples.bench;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.ParameterSet;
import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.kernel.Profile;
import dev.lethe.engine.ops.Elementwise;
import dev.lethe.engine.ops.Reductions;
import dev.lethe.engine.ops.Softmax;
import dev.lethe.optim.AdamW;
import dev.lethe.transformer.config.ModelConfig;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.model.TokenBatch;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The training-step workloads of {@code shared/bench/torch_baseline.py}, built from Lethe's API: a Llama decoder
 * (vocab 8192, d 512, 8 heads, SwiGLU 1408, RMSNorm 1e-5, RoPE 10000, untied head, float32) initialised by
 * {@link CausalLM#randomInit}, uniform random token batches, and {@link AdamW} (lr 1e-5, PyTorch defaults otherwise).
 * Modes, exactly as the script defines them (nll = per-sequence mean next-token NLL):
 * <ul>
 *   <li>sft: backward of mean(nll(x));</li>
 *   <li>graddiff: backward of -mean(nll(x)), then (gradients accumulate) of +mean(nll(r));</li>
 *   <li>npo: no-grad nll of a frozen reference copy on x, then backward of mean(-(2/beta) logsigmoid(-beta (ref -
 *       policy))), beta 0.1;</li>
 *   <li>sam: backward of -mean(nll(x)), theta += rho g/|g| (rho 0.01), backward again there, theta restored;</li>
 * </ul>
 * each followed by one AdamW step. One warm-up step, then {@code steps} timed steps (the mean is step_s).
 */
public final class TrainBench {
    public static final List<String> MODES = List.of("sft", "graddiff", "npo", "sam");

    /** Shapes and mode of one run. */
    public record Options(String workload, String mode, int steps, int layers, int batch, int seq, boolean profile) {
        public Options {
            if (!MODES.contains(mode)) {
                throw new IllegalArgumentException("--mode must be one of " + MODES + ", not '" + mode + "'");
            }
            if (!"llama-34m".equals(workload)) {
                throw new IllegalArgumentException("--workload must be llama-34m, not '" + workload + "'");
            }
            if (steps < 1 || layers < 1 || batch < 1 || seq < 2) {
                throw new IllegalArgumentException("need steps >= 1, layers >= 1, batch >= 1, seq >= 2");
            }
        }

        public static Options defaults(String mode) {
            return new Options("llama-34m", mode, 3, 8, 8, 256, false);
        }
    }

    /** Timings of one run; gemmShare is NaN unless profiled. */
    public record Result(Options options, long params, double stepSeconds, double tokensPerSecond, long peakRssBytes,
            double lastLoss, double gemmShare, double gemmGflops, long gemmCalls) {
        public String toJson() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "{\"bench\":\"train\",\"workload\":\"%s\",\"mode\":\"%s\",\"layers\":%d,"
                    + "\"batch\":%d,\"seq\":%d,\"steps\":%d,\"params\":%d,\"threads\":\"%s\",\"step_s\":%.3f,"
                    + "\"tokens_per_s\":%.1f,\"peak_rss_mb\":%.1f,\"loss\":%.5f", options.workload(), options.mode(),
                    options.layers(), options.batch(), options.seq(), options.steps(), params,
                    System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"), stepSeconds, tokensPerSecond,
                    peakRssBytes / 1048576.0, lastLoss));
            if (options.profile()) {
                sb.append(String.format(Locale.ROOT, ",\"gemm_share\":%.3f,\"gemm_gflops\":%.1f,\"gemm_calls_per_step\":%d",
                        gemmShare, gemmGflops, gemmCalls));
            }
            return sb.append('}').toString();
        }
    }

    private TrainBench() {
    }

    /** The llama-34m config.json with {@code layers} layers. */
    public static ModelConfig llama34m(int layers) {
        String json = "{\"model_type\":\"llama\",\"architectures\":[\"LlamaForCausalLM\"],\"vocab_size\":8192,"
                + "\"hidden_size\":512,\"intermediate_size\":1408,\"num_hidden_layers\":" + layers + ","
                + "\"num_attention_heads\":8,\"num_key_value_heads\":8,\"max_position_embeddings\":4096,"
                + "\"rms_norm_eps\":1e-5,\"rope_theta\":10000.0,\"hidden_act\":\"silu\",\"tie_word_embeddings\":false}";
        return ModelConfig.parse(json, "llama-34m");
    }

    /** Uniform random token ids in [0, vocab). */
    public static int[] randomTokens(long seed, int n, int vocab) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = r.nextInt(vocab);
        }
        return ids;
    }

    /** Per-sequence mean next-token NLL [B] of {@code model} on {@code ids} [B, T], recorded on {@code tape}. */
    public static Tensor nll(Tape tape, CausalLM model, int[] ids, int b, int t) {
        Tensor logits = model.forward(tape, new TokenBatch(ids, b, t, null, null)).logits();
        int[] targets = new int[b * (t - 1)];
        for (int i = 0; i < b; i++) {
            System.arraycopy(ids, i * t + 1, targets, i * (t - 1), t - 1);
        }
        Tensor lp = Softmax.shiftedTokenLogProbs(tape, logits, targets, null);
        return Elementwise.neg(tape, Reductions.mean(tape, lp, false, 1));
    }

    /** Runs the workload and returns its timings. */
    public static Result run(Options o) {
        ModelConfig cfg = llama34m(o.layers());
        CausalLM model = CausalLM.randomInit(cfg, 0, 0.02, DataType.FLOAT);
        CausalLM ref = o.mode().equals("npo") ? model.frozenCopy() : null;
        int b = o.batch();
        int t = o.seq();
        int[] x = randomTokens(1, b * t, cfg.vocabSize());
        int[] r = randomTokens(2, b * t, cfg.vocabSize());
        List<Tensor> params = new ArrayList<>(model.parameters().values());
        ParameterSet values = ParameterSet.values(params);
        ParameterSet grads = ParameterSet.gradients(params);
        AdamW opt = new AdamW(1e-5);
        BufferPool pool = new BufferPool();
        double[] loss = new double[1];
        ParameterSet[] samEps = new ParameterSet[1];
        step(o.mode(), model, ref, x, r, b, t, pool, opt, values, grads, params, loss, samEps); // warm-up
        if (o.profile()) {
            Profile.reset();
            Profile.enable(true);
        }
        long t0 = System.nanoTime();
        for (int s = 0; s < o.steps(); s++) {
            step(o.mode(), model, ref, x, r, b, t, pool, opt, values, grads, params, loss, samEps);
        }
        long elapsed = System.nanoTime() - t0;
        Profile.enable(false);
        double stepS = elapsed / 1e9 / o.steps();
        double share = Double.NaN;
        double gflops = Double.NaN;
        long calls = 0;
        if (o.profile()) {
            share = Profile.gemmNanos() / (double) elapsed;
            gflops = Profile.gemmFlops() / (double) Profile.gemmNanos();
            calls = Profile.gemmCalls() / o.steps();
            // where GEMM time goes, by shape (stderr, so stdout stays one JSON line)
            Profile.byShape().entrySet().stream()
                    .sorted((p, q) -> Long.compare(q.getValue()[0], p.getValue()[0]))
                    .forEach(e -> System.err.printf(Locale.ROOT, "gemm %-28s %6d calls/step %8.1f ms/step %6.1f GFLOP/s%n",
                            e.getKey(), e.getValue()[2] / o.steps(), e.getValue()[0] / 1e6 / o.steps(),
                            e.getValue()[1] / (double) e.getValue()[0]));
        }
        return new Result(o, model.parameterCount(), stepS, b * t / stepS, peakRssBytes(), loss[0], share, gflops, calls);
    }

    private static void step(String mode, CausalLM model, CausalLM ref, int[] x, int[] r, int b, int t,
            BufferPool pool, AdamW opt, ParameterSet values, ParameterSet grads, List<Tensor> params, double[] loss, ParameterSet[] samEps) {
        for (Tensor p : params) {
            p.zeroGrad();
        }
        switch (mode) {
            case "sft" -> loss[0] = backwardMean(pool, model, x, b, t, 1.0);
            case "graddiff" -> {
                loss[0] = backwardMean(pool, model, x, b, t, -1.0);
                backwardMean(pool, model, r, b, t, 1.0);
            }
            case "npo" -> {
                INDArray refNll;
                try (Tape tape = Tape.inference(pool)) {
                    refNll = nll(tape, ref, x, b, t).value().dup();
                }
                try (Tape tape = Tape.recording(pool)) {
                    Tensor pl = nll(tape, model, x, b, t);
                    double beta = 0.1;
                    Tensor d = Elementwise.sub(tape, Tensor.constant(refNll), pl);
                    Tensor ls = Elementwise.logSigmoid(tape, Elementwise.mulScalar(tape, d, -beta));
                    Tensor l = Reductions.meanAll(tape, Elementwise.mulScalar(tape, ls, -2 / beta));
                    tape.backward(l);
                    loss[0] = l.item();
                }
            }
            case "sam" -> {
                backwardMean(pool, model, x, b, t, -1.0);
                double n = grads.norm();
                if (samEps[0] == null) {
                    samEps[0] = grads.zerosLike(); // allocated once: memory stays flat
                }
                ParameterSet eps = samEps[0].assign(grads).scale(0.01 / (n + 1e-12));
                values.axpy(1.0, eps);
                for (Tensor p : params) {
                    p.zeroGrad();
                }
                loss[0] = backwardMean(pool, model, x, b, t, -1.0);
                values.axpy(-1.0, eps);
            }
            default -> throw new IllegalArgumentException(mode);
        }
        opt.step(values, grads);
    }

    /** Backward of sign * mean(nll) on its own tape; returns the loss value. */
    private static double backwardMean(BufferPool pool, CausalLM model, int[] ids, int b, int t, double sign) {
        try (Tape tape = Tape.recording(pool)) {
            Tensor l = Reductions.meanAll(tape, nll(tape, model, ids, b, t));
            if (sign != 1.0) {
                l = Elementwise.mulScalar(tape, l, sign);
            }
            tape.backward(l);
            return l.item();
        }
    }

    /** Peak resident set size of this process (VmHWM), or -1 where /proc is absent. */
    public static long peakRssBytes() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** Mode name to its description, for help texts. */
    public static Map<String, String> modeHelp() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("sft", "1 forward+backward of mean NLL");
        m.put("graddiff", "-NLL on a forget batch and +NLL on a retain batch");
        m.put("npo", "policy forward+backward plus a no-grad frozen reference forward (beta 0.1)");
        m.put("sam", "two forward+backwards, the second at theta + rho*g/|g| (rho 0.01)");
        return m;
    }
}
