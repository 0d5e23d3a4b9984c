package dev.lethe.examples.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;

import dev.lethe.engine.backend.EngineInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lethe engine-info}: prints the numeric backend this machine gives Lethe (ND4J backend and native build,
 * threads, BLAS vendor, Java, memory limits) and a measured float32 GEMM rate, as readable lines or, with
 * {@code --json}, as one JSON line. The measurement itself is {@link EngineInfo#measure(int, int)}.
 */
@Command(name = "engine-info", mixinStandardHelpOptions = true,
        description = "Show the tensor backend, threads, BLAS and a measured GEMM rate.")
public final class EngineInfoCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--json", description = "Print one JSON line instead of readable text.")
    boolean json;

    @Option(names = "--size", paramLabel = "N", description = "GEMM matrix size (default: ${DEFAULT-VALUE}).")
    int size = EngineInfo.DEFAULT_GEMM_SIZE;

    @Option(names = "--runs", paramLabel = "R", description = "Timed GEMM runs after warm-up (default: ${DEFAULT-VALUE}).")
    int runs = EngineInfo.DEFAULT_GEMM_RUNS;

    @Override
    public Integer call() {
        EngineInfo info = EngineInfo.measure(size, runs);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(info.toJson());
        } else {
            for (String line : describe(info)) {
                out.println(line);
            }
        }
        out.flush();
        return 0;
    }

    /** The readable form of {@code info}, one aspect per line. */
    public static String[] describe(EngineInfo info) {
        String ext = info.platformExtension() == null ? "unset" : "\"" + info.platformExtension() + "\"";
        EngineInfo.Gemm g = info.gemm();
        return new String[] {
            String.format(Locale.ROOT, "backend   %s (%s)", info.backend(), info.backendArtifact()),
            String.format(Locale.ROOT, "native    %s build%s; CPU has avx2: %s; javacpp platform.extension %s",
                    info.nativeBuild(), info.avx2Loaded() ? " (AVX2 in use)" : "",
                    info.cpuHasAvx2() ? "yes" : "no", ext),
            String.format(Locale.ROOT, "threads   %d (OMP_NUM_THREADS=%s, %d processors)", info.threads(),
                    info.ompNumThreadsEnv() == null ? "unset" : info.ompNumThreadsEnv(), info.availableProcessors()),
            String.format(Locale.ROOT, "blas      %s", info.blasVendor()),
            String.format(Locale.ROOT, "java      %s (%s)", info.javaVersion(), info.javaVendor()),
            String.format(Locale.ROOT, "memory    heap max %s, off-heap max %s, physical max %s",
                    gib(info.maxHeapBytes()), gib(info.maxOffHeapBytes()), gib(info.maxPhysicalBytes())),
            String.format(Locale.ROOT, "gemm      %.1f GFLOP/s best, %.1f median (fp32 %dx%dx%d, %d runs, %.2f ms best)",
                    g.bestGflops(), g.medianGflops(), g.n(), g.n(), g.n(), g.runs(), g.bestMillis()),
        };
    }

    private static String gib(long bytes) {
        return bytes <= 0 ? "none" : String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }
}
