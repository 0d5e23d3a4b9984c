package dev.lethe.examples.bench;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.Tape;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.model.KvCache;
import dev.lethe.transformer.model.TokenBatch;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Greedy decoding speed as {@code shared/bench/torch_baseline.py} measures it: batch 1, a random prompt of 32 tokens
 * (prefill, timed apart), then 128 new tokens one at a time through a {@link KvCache}; decode tokens/s = 128 / decode
 * time. With a batch B > 1, B random prompts of the same length decode together (B tokens per step), which is what a
 * server's continuous batching runs; the step's wall and thread-CPU milliseconds show what a row costs (with
 * {@code OMP_NUM_THREADS=1 -Dlethe.kernel.threads=1} every product runs on the calling thread, so its CPU time is the
 * step's work whatever the machine's load). The workload is the random-weight llama-34m model or a Hugging Face folder
 * (e.g. stories260K).
 */
public final class GenerateBench {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** Timings of one run (the best of the repeats). */
    public record Result(String workload, long params, int batch, int prompt, int newTokens, double prefillSeconds,
            double decodeTokensPerSecond, double stepMillis, double stepCpuMillis, long peakRssBytes, int lastToken) {
        public String toJson() {
            return String.format(Locale.ROOT, "{\"bench\":\"generate\",\"workload\":\"%s\",\"params\":%d,\"batch\":%d,"
                    + "\"prompt\":%d,\"new_tokens\":%d,\"threads\":\"%s\",\"prefill_s\":%.4f,\"decode_tokens_per_s\":%.1f,"
                    + "\"step_ms\":%.2f,\"step_cpu_ms\":%.2f,\"peak_rss_mb\":%.1f}",
                    workload.replace("\\", "/").replace("\"", ""), params, batch, prompt, newTokens,
                    System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"), prefillSeconds, decodeTokensPerSecond,
                    stepMillis, stepCpuMillis, peakRssBytes / 1048576.0);
        }
    }

    private GenerateBench() {
    }

    /** The model of a workload: "llama-34m" (random init, 8 layers) or a model folder. */
    public static CausalLM model(String workload) throws IOException {
        if ("llama-34m".equals(workload)) {
            return CausalLM.randomInit(TrainBench.llama34m(8), 0, 0.02, DataType.FLOAT);
        }
        return CausalLM.load(Path.of(workload), DataType.FLOAT);
    }

    /** {@link #run(String, CausalLM, int, int, int, int)} at batch 1. */
    public static Result run(String workload, CausalLM model, int prompt, int newTokens, int repeats) {
        return run(workload, model, 1, prompt, newTokens, repeats);
    }

    /**
     * Decodes {@code newTokens} tokens after {@code batch} random {@code prompt}-token prompts; {@code repeats} runs
     * after a warm-up, the best kept.
     */
    public static Result run(String workload, CausalLM model, int batch, int prompt, int newTokens, int repeats) {
        int vocab = model.config().vocabSize();
        int[] ids = TrainBench.randomTokens(3, batch * prompt, vocab);
        BufferPool pool = new BufferPool();
        KvCache cache = KvCache.forModel(model, batch, prompt + newTokens + 1);
        double bestPrefill = Double.MAX_VALUE;
        double bestDecode = Double.MAX_VALUE;
        double bestCpu = Double.MAX_VALUE;
        int last = -1;
        for (int rep = 0; rep < Math.max(1, repeats) + 1; rep++) { // the first run warms up
            cache.reset();
            long t0 = System.nanoTime();
            int[] next = step(model, pool, cache, ids, batch, prompt);
            long t1 = System.nanoTime();
            long c1 = THREADS.getCurrentThreadCpuTime();
            for (int i = 0; i < newTokens; i++) {
                next = step(model, pool, cache, next, batch, 1);
            }
            long t2 = System.nanoTime();
            long c2 = THREADS.getCurrentThreadCpuTime();
            last = next[0];
            if (rep > 0) {
                bestPrefill = Math.min(bestPrefill, (t1 - t0) / 1e9);
                bestDecode = Math.min(bestDecode, (t2 - t1) / 1e9);
                bestCpu = Math.min(bestCpu, (c2 - c1) / 1e9);
            }
        }
        return new Result(workload, model.parameterCount(), batch, prompt, newTokens, bestPrefill,
                (double) batch * newTokens / bestDecode, 1e3 * bestDecode / newTokens, 1e3 * bestCpu / newTokens,
                TrainBench.peakRssBytes(), last);
    }

    /** One forward of [batch, t] tokens on the cache; returns each row's arg-max token at its last position. */
    static int[] step(CausalLM model, BufferPool pool, KvCache cache, int[] feed, int batch, int t) {
        try (Tape tape = Tape.inference(pool)) {
            INDArray logits = model.forward(tape, new TokenBatch(feed, batch, t, null, null), cache, false).logits()
                    .value();
            int v = (int) logits.size(2);
            Buf b = Buf.of(logits);
            int sv = (int) logits.stride(2);
            int[] best = new int[batch];
            for (int r = 0; r < batch; r++) {
                int base = (int) (r * logits.stride(0) + (t - 1) * logits.stride(1));
                double bestVal = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < v; j++) {
                    double x = b.get(base + j * sv);
                    if (x > bestVal) {
                        bestVal = x;
                        best[r] = j;
                    }
                }
            }
            return best;
        }
    }
}
