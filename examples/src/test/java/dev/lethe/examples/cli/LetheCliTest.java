package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import picocli.CommandLine;

class LetheCliTest {

    /** Exit code, standard output and error output of one in-process run. */
    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = LetheCli.newCommandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void versionPrintsTheProjectVersionFromTheBuild() {
        Run r = run("--version");
        assertThat(r.code()).isZero();
        // the filtered resource must be filled in: a raw ${project.version} or "unknown" means filtering broke
        assertThat(r.out().trim()).matches("lethe \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
        assertThat(r.out().trim()).isEqualTo("lethe " + LetheVersion.version());
    }

    @Test
    void engineInfoJsonIsOneLineWithThePromisedFields() throws Exception {
        Run r = run("engine-info", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        String[] lines = r.out().strip().split("\n");
        assertThat(lines).hasSize(1);
        @SuppressWarnings("unchecked")
        Map<String, Object> json = new ObjectMapper().readValue(lines[0], Map.class);
        assertThat(json).containsKeys("backend", "nativeBuild", "avx2Loaded", "cpuHasAvx2", "platformExtension",
                "threads", "blasVendor", "javaVersion", "gemmSize", "gemmGflopsBest", "gemmGflopsMedian");
        assertThat(json.get("backend")).isEqualTo("CPU");
        assertThat(json.get("gemmSize")).isEqualTo(1024);
        assertThat(((Number) json.get("threads")).intValue()).isPositive();
        assertThat(json.get("blasVendor").toString()).isNotBlank();
        assertThat(json.get("javaVersion")).isEqualTo(Runtime.version().toString());
        double best = ((Number) json.get("gemmGflopsBest")).doubleValue();
        double median = ((Number) json.get("gemmGflopsMedian")).doubleValue();
        assertThat(best).isPositive().isGreaterThanOrEqualTo(median);
        assertThat(median).isPositive();
    }

    @Test
    void engineInfoTextNamesEachAspect() {
        Run r = run("engine-info", "--size", "128", "--runs", "2");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("backend   CPU (nd4j-native)", "threads   ", "blas      ", "java      ",
                "gemm      ", "fp32 128x128x128, 2 runs");
    }

    @Test
    void failuresPrintOneLineAndExitOneWithoutAStackTrace() {
        Run r = run("engine-info", "--size", "0");
        assertThat(r.code()).isEqualTo(CliErrorHandler.FAILURE);
        assertThat(r.err()).contains("lethe: GEMM size must be positive, got 0").doesNotContain("\tat ");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void verboseAddsTheStackTrace() {
        Run r = run("--verbose", "engine-info", "--size", "0");
        assertThat(r.code()).isEqualTo(CliErrorHandler.FAILURE);
        assertThat(r.err()).contains("lethe: GEMM size must be positive", "IllegalArgumentException", "\tat ");
    }

    @Test
    void badUsageExitsTwoWithUsage() {
        Run unknown = run("no-such-command");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("no-such-command");

        Run none = run();
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err()).contains("Missing subcommand", "engine-info");
    }
}
