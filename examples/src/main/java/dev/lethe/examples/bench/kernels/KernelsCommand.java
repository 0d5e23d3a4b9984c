package dev.lethe.examples.bench.kernels;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lethe bench kernels}: JMH benchmarks of the fused kernels against their unfused compositions (SwiGLU, RMSNorm,
 * LayerNorm, RoPE, next-token log-probs, softmax, attention, one-query decode attention, the AdamW step) at llama-34m
 * shapes; prints a table and writes JMH's JSON. See {@link KernelBench}.
 */
@Command(name = "kernels", mixinStandardHelpOptions = true,
        description = "JMH benchmarks of the fused kernels vs their unfused compositions (table + JSON).")
public final class KernelsCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--quick", description = "Shorter runs: 1 warm-up + 2 measured iterations of 1 s (default: 2 + 3 of 2 s).")
    boolean quick;

    @Option(names = "--include", description = "Regex of benchmarks to run, e.g. 'Swiglu|AdamW' or 'Rope.*fused' (repeatable; default: all).")
    List<String> includes = new ArrayList<>();

    @Option(names = "--shape", description = "Tensor shapes: llama-34m or tiny (default: ${DEFAULT-VALUE}).")
    String shape = "llama-34m";

    @Option(names = "--json", description = "Where JMH writes its JSON results (default: ${DEFAULT-VALUE}).")
    Path json = Path.of("bench-kernels.json");

    @Option(names = "--forks", description = "JVM forks per benchmark; 0 runs in this JVM (default: 1).")
    Integer forks;

    @Option(names = "--iteration-ms", description = "Length of each warm-up and measured iteration in ms (overrides the preset).")
    Integer iterationMs;

    @Option(names = "--quiet", description = "Hide JMH's own progress output (only the table is printed).")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        KernelBench.Options o = new KernelBench.Options(quick, includes, shape, json, forks, iterationMs, !quiet);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("lethe bench kernels: shape %s, %s, OMP_NUM_THREADS=%s; timings on a shared machine vary with load%n",
                shape, quick ? "quick" : "full", System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"));
        out.flush();
        List<KernelBench.Row> rows = KernelBench.run(o);
        out.print(KernelBench.table(rows));
        out.println("JMH results (JSON): " + json.toAbsolutePath());
        out.flush();
        return rows.isEmpty() ? 1 : 0;
    }
}
