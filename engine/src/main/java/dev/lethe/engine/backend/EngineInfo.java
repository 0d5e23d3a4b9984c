package dev.lethe.engine.backend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * A snapshot of the numeric backend this JVM runs on: which ND4J backend is active (CPU {@code nd4j-native} or
 * CUDA), which native build of it was loaded (generic x86-64, AVX2 or AVX-512) against what the CPU offers, the
 * thread count, the BLAS vendor, the Java version, the JavaCPP memory limits, and a measured float32 GEMM rate
 * ({@code Nd4j.gemm} of two {@code n x n} matrices into a preallocated output, {@code 2 n^3} flops per call,
 * after warm-up runs). Obtain one with {@link #measure()} or {@link #measure(int, int)}; {@link #toJson()}
 * renders it as one JSON object and {@link #toMap()} as ordered key/value pairs. Measuring loads ND4J's native
 * libraries and allocates three {@code n x n} float matrices; nothing global is changed.
 *
 * @param backend              {@code "CPU"} or {@code "CUDA"}, as ND4J reports it
 * @param backendArtifact      the Maven artifact that provides it: {@code nd4j-native} or {@code nd4j-cuda}
 * @param nativeBuild          the loaded native build: {@code generic}, {@code avx2}, {@code avx512}, or
 *                             {@code n/a} on CUDA
 * @param avx2Loaded           whether the loaded CPU build uses AVX2 (true for the {@code avx2} and
 *                             {@code avx512} builds)
 * @param platformExtension    the JavaCPP property {@code org.bytedeco.javacpp.platform.extension} in effect
 *                             ({@code "-avx2"}, {@code ""}), or {@code null} when unset (JavaCPP then picks the
 *                             best build found on the class path)
 * @param cpuHasAvx2           whether {@code /proc/cpuinfo} lists the {@code avx2} flag (false where unreadable)
 * @param ompNumThreadsEnv     the {@code OMP_NUM_THREADS} environment variable, or {@code null} when unset
 * @param threads              ND4J's maximum thread count for native ops
 * @param availableProcessors  what the JVM sees as available processors
 * @param blasVendor           the BLAS library behind GEMM, e.g. {@code OPENBLAS}, {@code MKL}, {@code CUBLAS}
 * @param javaVersion          the running JVM's version string
 * @param javaVendor           the running JVM's vendor
 * @param maxHeapBytes         {@code Runtime.maxMemory()}
 * @param maxOffHeapBytes      JavaCPP's off-heap limit ({@code org.bytedeco.javacpp.maxbytes})
 * @param maxPhysicalBytes     JavaCPP's resident-memory limit ({@code org.bytedeco.javacpp.maxphysicalbytes})
 * @param gemm                 the measured GEMM rate
 */
public record EngineInfo(
        String backend,
        String backendArtifact,
        String nativeBuild,
        boolean avx2Loaded,
        String platformExtension,
        boolean cpuHasAvx2,
        String ompNumThreadsEnv,
        int threads,
        int availableProcessors,
        String blasVendor,
        String javaVersion,
        String javaVendor,
        long maxHeapBytes,
        long maxOffHeapBytes,
        long maxPhysicalBytes,
        Gemm gemm) {

    /** The JavaCPP system property that selects a native build variant such as {@code -avx2}. */
    public static final String PLATFORM_EXTENSION_PROPERTY = "org.bytedeco.javacpp.platform.extension";

    /** Matrix size of the default GEMM measurement (1024 x 1024 x 1024). */
    public static final int DEFAULT_GEMM_SIZE = 1024;

    /** Timed runs of the default GEMM measurement (after the warm-up runs). */
    public static final int DEFAULT_GEMM_RUNS = 5;

    private static final int WARMUP_RUNS = 2;

    public EngineInfo {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(backendArtifact, "backendArtifact");
        Objects.requireNonNull(nativeBuild, "nativeBuild");
        Objects.requireNonNull(blasVendor, "blasVendor");
        Objects.requireNonNull(javaVersion, "javaVersion");
        Objects.requireNonNull(gemm, "gemm");
    }

    /**
     * The measured rate of {@code C = A B} for float32 {@code n x n} matrices, computed with
     * {@code Nd4j.gemm(a, b, c, false, false, 1.0, 0.0)} into a {@code c} allocated once.
     *
     * @param n             matrix size
     * @param runs          timed runs (after {@code warmupRuns} untimed ones)
     * @param warmupRuns    untimed runs before the timed ones
     * @param bestGflops    {@code 2 n^3 / fastest run}, in GFLOP/s
     * @param medianGflops  {@code 2 n^3 / median run}, in GFLOP/s
     * @param bestMillis    the fastest run, in milliseconds
     */
    public record Gemm(int n, int runs, int warmupRuns, double bestGflops, double medianGflops, double bestMillis) {
    }

    /** Measures everything with the default 1024 GEMM (two warm-up runs, five timed runs). */
    public static EngineInfo measure() {
        return measure(DEFAULT_GEMM_SIZE, DEFAULT_GEMM_RUNS);
    }

    /**
     * Measures everything, timing {@code runs} GEMMs of size {@code n} after two warm-up runs.
     *
     * @throws IllegalArgumentException if {@code n < 1} or {@code runs < 1}
     */
    public static EngineInfo measure(int n, int runs) {
        if (n < 1) {
            throw new IllegalArgumentException("GEMM size must be positive, got " + n);
        }
        if (runs < 1) {
            throw new IllegalArgumentException("GEMM runs must be positive, got " + runs);
        }
        // Touching Nd4j first loads the backend (NativeOpsHolder needs its properties).
        var env = Nd4j.getExecutioner().getEnvironmentInformation();
        boolean cpu = Nd4j.getEnvironment().isCPU();
        String backend = String.valueOf(env.getOrDefault("backend", cpu ? "CPU" : "CUDA"));
        String nativeBuild = cpu ? buildName(NativeOpsHolder.getInstance().getDeviceNativeOps().binaryLevel()) : "n/a";
        Gemm gemm = measureGemm(n, runs);
        return new EngineInfo(
                backend,
                cpu ? "nd4j-native" : "nd4j-cuda",
                nativeBuild,
                nativeBuild.equals("avx2") || nativeBuild.equals("avx512"),
                System.getProperty(PLATFORM_EXTENSION_PROPERTY),
                cpuinfoHasAvx2(readCpuinfo()),
                System.getenv("OMP_NUM_THREADS"),
                Nd4j.getEnvironment().maxThreads(),
                Runtime.getRuntime().availableProcessors(),
                String.valueOf(Nd4j.factory().blas().getBlasVendor()),
                Runtime.version().toString(),
                System.getProperty("java.vendor", "unknown"),
                Runtime.getRuntime().maxMemory(),
                Pointer.maxBytes(),
                Pointer.maxPhysicalBytes(),
                gemm);
    }

    /** Times {@code Nd4j.gemm} into a preallocated output; see {@link Gemm}. */
    public static Gemm measureGemm(int n, int runs) {
        INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray c = Nd4j.create(DataType.FLOAT, n, n);
        for (int i = 0; i < WARMUP_RUNS; i++) {
            Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
        }
        long[] nanos = new long[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
            nanos[i] = Math.max(1L, System.nanoTime() - t0);
        }
        // Reading one element forces completion on asynchronous backends and keeps the result live.
        c.getFloat(0L);
        return gemmFromTimings(n, WARMUP_RUNS, nanos);
    }

    /** The rates of {@code nanos.length} timed n x n GEMMs ({@code 2 n^3} flops each): fastest and median run. */
    static Gemm gemmFromTimings(int n, int warmupRuns, long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int runs = sorted.length;
        double median = runs % 2 == 1 ? sorted[runs / 2] : 0.5 * (sorted[runs / 2 - 1] + sorted[runs / 2]);
        double flops = 2.0 * n * n * (double) n;
        return new Gemm(n, runs, warmupRuns, flops / sorted[0], flops / median, sorted[0] / 1e6);
    }

    /** Names libnd4j's {@code binaryLevel()}: 1 generic x86-64, 2 AVX2, 3 AVX-512. */
    static String buildName(int binaryLevel) {
        return switch (binaryLevel) {
            case 1 -> "generic";
            case 2 -> "avx2";
            case 3 -> "avx512";
            default -> "unknown(" + binaryLevel + ")";
        };
    }

    /** Whether a {@code /proc/cpuinfo} text has {@code avx2} among the flags of its first processor. */
    static boolean cpuinfoHasAvx2(String cpuinfo) {
        for (String line : cpuinfo.split("\n")) {
            if (line.startsWith("flags")) {
                int colon = line.indexOf(':');
                String flags = colon < 0 ? "" : line.substring(colon + 1);
                return Arrays.asList(flags.trim().split("\\s+")).contains("avx2");
            }
        }
        return false;
    }

    private static String readCpuinfo() {
        try {
            return Files.readString(Path.of("/proc/cpuinfo"));
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** The native libraries JavaCPP has loaded, by name, with the file each came from (for diagnostics). */
    public static Map<String, String> loadedNativeLibraries() {
        return new LinkedHashMap<>(Loader.getLoadedLibraries());
    }

    /** The fields as ordered key/value pairs (GEMM fields prefixed {@code gemm}); values are strings, numbers, booleans or null. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("backend", backend);
        m.put("backendArtifact", backendArtifact);
        m.put("nativeBuild", nativeBuild);
        m.put("avx2Loaded", avx2Loaded);
        m.put("platformExtension", platformExtension);
        m.put("cpuHasAvx2", cpuHasAvx2);
        m.put("ompNumThreadsEnv", ompNumThreadsEnv);
        m.put("threads", threads);
        m.put("availableProcessors", availableProcessors);
        m.put("blasVendor", blasVendor);
        m.put("javaVersion", javaVersion);
        m.put("javaVendor", javaVendor);
        m.put("maxHeapBytes", maxHeapBytes);
        m.put("maxOffHeapBytes", maxOffHeapBytes);
        m.put("maxPhysicalBytes", maxPhysicalBytes);
        m.put("gemmSize", gemm.n());
        m.put("gemmRuns", gemm.runs());
        m.put("gemmWarmupRuns", gemm.warmupRuns());
        m.put("gemmGflopsBest", round(gemm.bestGflops()));
        m.put("gemmGflopsMedian", round(gemm.medianGflops()));
        m.put("gemmBestMillis", round(gemm.bestMillis()));
        return m;
    }

    /** One JSON object, on one line, with the keys of {@link #toMap()}. */
    public String toJson() {
        StringBuilder sb = new StringBuilder("{");
        boolean first = true;
        for (Map.Entry<String, Object> e : toMap().entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            appendString(sb, e.getKey());
            sb.append(':');
            Object v = e.getValue();
            if (v == null || v instanceof Number || v instanceof Boolean) {
                sb.append(v);
            } else {
                appendString(sb, v.toString());
            }
        }
        return sb.append('}').toString();
    }

    private static double round(double v) {
        return Math.round(v * 100.0) / 100.0;
    }

    private static void appendString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (ch < 0x20) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
                    } else {
                        sb.append(ch);
                    }
                }
            }
        }
        sb.append('"');
    }
}
