package dev.lethe.examples.cli;

import dev.lethe.engine.kernel.Profile;
import dev.lethe.examples.bench.TrainBench;
import dev.lethe.serve.LetheServer;
import dev.lethe.serve.ServeBench;
import dev.lethe.serve.ServerConfig;
import dev.lethe.transformer.model.CausalLM;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lethe bench serve}: starts a loopback server on a model and measures TTFT and tokens/s at several
 * concurrency levels with {@link ServeBench}; one JSON line per level. {@code --model llama-34m} serves the random
 * llama-34m workload of {@code bench train} (written to a temporary folder with the tokenizer of {@code --tokenizer}).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "TTFT p50/p95, per-request and aggregate tokens/s of lethe serve under concurrent streaming"
                + " clients (one JSON line per concurrency level).")
public final class ServeBenchCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", description = "Model folder or llama-34m (default: ${DEFAULT-VALUE}).")
    String model = "llama-34m";

    @Option(names = "--tokenizer", description = "Tokenizer folder for llama-34m, which has none of its own"
            + " (default: ${DEFAULT-VALUE}).")
    Path tokenizer = Path.of("../shared/tokenizers/gpt2");

    @Option(names = "--concurrency", split = ",", description = "Concurrent clients per level (default: 1,4,16).")
    int[] concurrency = {1, 4, 16};

    @Option(names = "--prompt-tokens", description = "Prompt length in tokens (default: ${DEFAULT-VALUE}).")
    int promptTokens = 256;

    @Option(names = "--max-tokens", description = "Tokens generated per request (default: ${DEFAULT-VALUE}).")
    int maxTokens = 128;

    @Option(names = "--requests", description = "Requests per client per level (default: ${DEFAULT-VALUE}).")
    int requests = 2;

    @Option(names = "--profile", description = "After each level, print to stderr where the scheduler thread's time"
            + " went (per part of a step, wall and thread-CPU seconds; decode step cost per batch size) and the"
            + " summed GEMM time.")
    boolean profile;

    @Override
    public Integer call() throws Exception {
        Path dir;
        Path tmp = null;
        if (model.equals("llama-34m")) {
            tmp = Files.createTempDirectory("lethe-bench-serve");
            CausalLM.randomInit(TrainBench.llama34m(8), 0, 0.02, DataType.FLOAT).save(tmp);
            if (!Files.isDirectory(tokenizer)) {
                throw new IllegalArgumentException("--tokenizer " + tokenizer + " is not a folder; give the folder of"
                        + " a tokenizer with at least 8192 ids (e.g. ../shared/tokenizers/gpt2)");
            }
            try (var files = Files.list(tokenizer)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.copy(f, tmp.resolve(f.getFileName()));
                }
            }
            dir = tmp;
        } else {
            dir = Path.of(model);
        }
        int maxBatch = Arrays.stream(concurrency).max().orElse(1);
        PrintWriter out = spec.commandLine().getOut();
        try (LetheServer server = LetheServer.start(ServerConfig.of(dir).withModelId("bench").withPort(0)
                .withBatching(maxBatch, maxBatch * 2, Duration.ofMinutes(30)))) {
            int vocab = CausalLM.load(dir, DataType.FLOAT).config().vocabSize();
            PrintWriter err = spec.commandLine().getErr();
            Profile.enable(profile);
            ServeBench.run(server.url(), "bench", vocab, concurrency, promptTokens, maxTokens, requests, () -> {
                server.metrics().steps().reset();
                Profile.reset();
            }, l -> {
                out.println(l.toJson());
                out.flush();
                if (profile) {
                    err.printf(Locale.ROOT, "concurrency %d:%n%sgemm (inside the forwards) %.3f s wall, %d calls%n",
                            l.concurrency(), server.metrics().steps().report(), Profile.gemmNanos() / 1e9,
                            Profile.gemmCalls());
                    err.flush();
                }
            });
        } finally {
            if (tmp != null) {
                try (var files = Files.walk(tmp)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
        return 0;
    }
}
