package dev.lethe.examples.bench;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.Tape;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.model.KvCache;
import dev.lethe.transformer.model.TokenBatch;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Greedy decoding speed as {@code shared/bench/torch_baseline.py} measures it: batch 1, a random prompt of 32 tokens
 * (prefill, timed apart), then 128 new tokens one at a time through a {@link KvCache}; decode tokens/s = 128 / decode
 * time. The workload is the random-weight llama-34m model or a Hugging Face folder (e.g. stories260K).
 */
public final class GenerateBench {
    /** Timings of one run. */
    public record Result(String workload, long params, int prompt, int newTokens, double prefillSeconds,
            double decodeTokensPerSecond, long peakRssBytes, int lastToken) {
        public String toJson() {
            return String.format(Locale.ROOT, "{\"bench\":\"generate\",\"workload\":\"%s\",\"params\":%d,\"prompt\":%d,"
                    + "\"new_tokens\":%d,\"threads\":\"%s\",\"prefill_s\":%.4f,\"decode_tokens_per_s\":%.1f,"
                    + "\"peak_rss_mb\":%.1f}", workload.replace("\\", "/").replace("\"", ""), params, prompt, newTokens,
                    System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"), prefillSeconds, decodeTokensPerSecond,
                    peakRssBytes / 1048576.0);
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

    /** Decodes {@code newTokens} tokens after a random {@code prompt}-token prompt; {@code repeats} runs, best kept. */
    public static Result run(String workload, CausalLM model, int prompt, int newTokens, int repeats) {
        int vocab = model.config().vocabSize();
        int[] ids = TrainBench.randomTokens(3, prompt, vocab);
        BufferPool pool = new BufferPool();
        KvCache cache = KvCache.forModel(model, 1, prompt + newTokens + 1);
        double bestPrefill = Double.MAX_VALUE;
        double bestDecode = Double.MAX_VALUE;
        int last = -1;
        for (int rep = 0; rep < Math.max(1, repeats) + 1; rep++) { // the first run warms up
            cache.reset();
            long t0 = System.nanoTime();
            int next = step(model, pool, cache, ids);
            long t1 = System.nanoTime();
            for (int i = 0; i < newTokens; i++) {
                next = step(model, pool, cache, new int[] {next});
            }
            long t2 = System.nanoTime();
            last = next;
            if (rep > 0) {
                bestPrefill = Math.min(bestPrefill, (t1 - t0) / 1e9);
                bestDecode = Math.min(bestDecode, (t2 - t1) / 1e9);
            }
        }
        return new Result(workload, model.parameterCount(), prompt, newTokens, bestPrefill, newTokens / bestDecode,
                TrainBench.peakRssBytes(), last);
    }

    /** One forward on the cache; returns the arg-max token of the last position. */
    static int step(CausalLM model, BufferPool pool, KvCache cache, int[] feed) {
        try (Tape tape = Tape.inference(pool)) {
            INDArray logits = model.forward(tape, TokenBatch.of(feed), cache, false).logits().value();
            int v = (int) logits.size(2);
            int t = (int) logits.size(1);
            Buf b = Buf.of(logits);
            int base = (int) ((t - 1) * logits.stride(1));
            int sv = (int) logits.stride(2);
            int best = 0;
            double bestVal = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < v; j++) {
                double x = b.get(base + j * sv);
                if (x > bestVal) {
                    bestVal = x;
                    best = j;
                }
            }
            return best;
        }
    }
}
