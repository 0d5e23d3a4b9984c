package dev.lethe.examples.bench.kernels;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs the kernel benchmarks of this package (JMH, through its Runner API: the annotation processor's generated
 * classes and {@code META-INF/BenchmarkList} sit in the examples jar, so no shaded benchmark jar is needed), then
 * reduces JMH's results to one row per kernel, pass and variant: time per op, the effective bandwidth over the least
 * memory traffic the op needs, and the speed-up over the unfused composition. Benchmark methods are named
 * {@code <pass>_<variant>}, e.g. {@code forwardBackward_fused}; the variant {@code unfused} is the baseline of its pass.
 * Forked runs inherit this JVM's options (heap, JavaCPP limits) and environment ({@code OMP_NUM_THREADS}).
 */
public final class KernelBench {
    /** Every benchmark of this package. */
    public static final String ALL = KernelBench.class.getPackageName().replace(".", "\\.") + "\\..*";

    /**
     * What to run: {@code quick} shortens warm-up and measurement (1 x 1 s + 2 x 1 s instead of 2 x 2 s + 3 x 2 s);
     * {@code includes} are JMH include regexes (empty = all); {@code forks} null = 1 (0 runs in this JVM);
     * {@code iterationMs} null = the preset's iteration time.
     */
    public record Options(boolean quick, List<String> includes, String shape, Path json, Integer forks,
            Integer iterationMs, boolean verbose) {
        public Options {
            KernelShape.of(shape);
            includes = includes == null ? List.of() : List.copyOf(includes);
            if (forks != null && forks < 0 || iterationMs != null && iterationMs < 1) {
                throw new IllegalArgumentException("--forks must be >= 0 and --iteration-ms >= 1");
            }
        }
    }

    /** One benchmark's result: time per op in {@code unit}, GB/s over the least traffic (NaN if not defined). */
    public record Row(String kernel, String pass, String variant, double score, double error, String unit,
            double gbPerSecond, double speedupOverUnfused) {
    }

    private KernelBench() {
    }

    /** Runs the selected benchmarks; JMH's JSON goes to {@code options.json()} (when set). */
    public static List<Row> run(Options o) throws RunnerException {
        int iterMs = o.iterationMs() != null ? o.iterationMs() : o.quick() ? 1000 : 2000;
        ChainedOptionsBuilder b = new OptionsBuilder()
                .param("shape", o.shape())
                .forks(o.forks() != null ? o.forks() : 1)
                .warmupIterations(o.quick() ? 1 : 2)
                .warmupTime(TimeValue.milliseconds(iterMs))
                .measurementIterations(o.quick() ? 2 : 3)
                .measurementTime(TimeValue.milliseconds(iterMs))
                .threads(1)
                .shouldFailOnError(true)
                .verbosity(o.verbose() ? VerboseMode.NORMAL : VerboseMode.SILENT);
        if (o.includes().isEmpty()) {
            b.include(ALL);
        } else {
            for (String inc : o.includes()) {
                b.include(inc);
            }
        }
        if (o.json() != null) {
            b.resultFormat(ResultFormatType.JSON).result(o.json().toString());
        }
        Collection<RunResult> results = new Runner(b.build()).run();
        return rows(results, KernelShape.of(o.shape()));
    }

    static List<Row> rows(Collection<RunResult> results, KernelShape shape) {
        record Raw(String kernel, String pass, String variant, double score, double error, String unit,
                double seconds) {
        }
        List<Raw> raw = new ArrayList<>();
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark();
            String method = name.substring(name.lastIndexOf('.') + 1);
            String cls = name.substring(0, name.lastIndexOf('.'));
            String kernel = cls.substring(cls.lastIndexOf('.') + 1);
            int us = method.indexOf('_');
            String pass = us < 0 ? method : method.substring(0, us);
            String variant = us < 0 ? "" : method.substring(us + 1);
            double score = r.getPrimaryResult().getScore();
            TimeUnit tu = r.getParams().getTimeUnit();
            double seconds = score * tu.toNanos(1) / 1e9;
            raw.add(new Raw(kernel, pass, variant, score, r.getPrimaryResult().getScoreError(),
                    r.getPrimaryResult().getScoreUnit(), seconds));
        }
        Map<String, Double> baseline = new HashMap<>();
        for (Raw x : raw) {
            if (x.variant().equals("unfused")) {
                baseline.put(x.kernel() + "/" + x.pass(), x.seconds());
            }
        }
        List<Row> rows = new ArrayList<>();
        for (Raw x : raw) {
            Double base = baseline.get(x.kernel() + "/" + x.pass());
            double bytes = minBytes(x.kernel(), x.pass(), shape);
            rows.add(new Row(x.kernel(), x.pass(), x.variant(), x.score(), x.error(), x.unit(),
                    bytes / x.seconds() / 1e9, base == null ? Double.NaN : base / x.seconds()));
        }
        return rows;
    }

    /**
     * The least memory traffic of one op in bytes (float32: each input read once, each output written once, each
     * accumulated gradient read and written once); NaN where time is not bandwidth-bound (attention's GEMMs).
     */
    static double minBytes(String kernel, String pass, KernelShape s) {
        boolean fb = pass.equals("forwardBackward");
        double n;
        double per;
        switch (kernel) {
            case "SwigluBench" -> {
                n = (double) s.tokens() * s.ffn();
                per = fb ? 10 : 3;
            }
            case "RmsNormBench", "LayerNormBench" -> {
                n = (double) s.tokens() * s.dim();
                per = fb ? 8 : 2;
            }
            case "RopeBench" -> {
                n = (double) s.tokens() * s.heads() * s.headDim();
                per = fb ? 5 : 2;
            }
            case "LogProbsBench" -> {
                n = (double) s.batch() * (s.seq() - 1) * s.vocab();
                per = fb ? 4 : 1;
            }
            case "SoftmaxBench" -> {
                n = (double) s.batch() * s.heads() * s.seq() * s.seq();
                per = fb ? 6 : 2;
            }
            case "DecodeAttentionBench" -> {
                n = (double) s.heads() * s.decodeKeys() * s.headDim();
                per = 2;
            }
            case "AdamWBench" -> {
                n = parameters(s);
                per = 7;
            }
            case "MemoryBandwidthBench" -> {
                n = parameters(s);
                per = pass.equals("copy") ? 2 : 1;
            }
            default -> {
                return Double.NaN;
            }
        }
        return n * per * 4;
    }

    /** Number of parameters of the shape's decoder (float32 values). */
    static long parameters(KernelShape s) {
        long n = 0;
        for (long[] sh : s.parameterShapes()) {
            long k = 1;
            for (long d : sh) {
                k *= d;
            }
            n += k;
        }
        return n;
    }

    /** The rows as an aligned text table. */
    public static String table(List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        String fmt = "%-22s %-16s %-11s %12s %10s %-6s %8s %10s%n";
        sb.append(String.format(Locale.ROOT, fmt, "kernel", "pass", "variant", "score", "error", "unit", "GB/s",
                "vs unfused"));
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, fmt, r.kernel(), r.pass(), r.variant(), num(r.score()),
                    num(r.error()), r.unit(), Double.isNaN(r.gbPerSecond()) ? "-" : String.format(Locale.ROOT, "%.2f",
                            r.gbPerSecond()), Double.isNaN(r.speedupOverUnfused()) ? "-"
                            : String.format(Locale.ROOT, "%.2fx", r.speedupOverUnfused())));
        }
        return sb.toString();
    }

    private static String num(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        return String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.1f" : Math.abs(v) >= 1 ? "%.3f" : "%.4f", v);
    }
}
