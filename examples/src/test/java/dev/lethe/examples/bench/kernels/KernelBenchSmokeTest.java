package dev.lethe.examples.bench.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.examples.cli.LetheCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code lethe bench kernels} end to end in seconds: two benchmarks at tiny shapes, in this JVM, with 50 ms iterations;
 * the table pairs fused with unfused and JMH's JSON is written. (The real runs are not part of the test suite.)
 */
class KernelBenchSmokeTest {
    @Test
    void runsSelectedBenchmarksAndWritesTableAndJson(@TempDir Path dir) throws Exception {
        // another JMH run on the machine (a developer's benchmark) must not block the test on JMH's global lock
        System.setProperty("jmh.ignoreLock", "true");
        Path json = dir.resolve("kernels.json");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = LetheCli.newCommandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute("bench", "kernels", "--quick", "--quiet", "--forks", "0", "--iteration-ms", "50",
                "--shape", "tiny", "--include", "SwigluBench\\.forward_(fused|unfused)$", "--json", json.toString());
        assertThat(code).as(err.toString()).isZero();
        String table = out.toString();
        assertThat(table).contains("SwigluBench").contains("fused").contains("unfused").contains("vs unfused");
        assertThat(table.lines().filter(l -> l.startsWith("SwigluBench")).count()).isEqualTo(2);
        JsonNode results = new ObjectMapper().readTree(Files.readString(json));
        assertThat(results.size()).isEqualTo(2);
        for (JsonNode r : results) {
            assertThat(r.get("benchmark").asText()).startsWith(KernelBench.class.getPackageName() + ".SwigluBench.");
            assertThat(r.get("params").get("shape").asText()).isEqualTo("tiny");
            assertThat(r.get("primaryMetric").get("score").asDouble()).isPositive();
        }
    }

    @Test
    void leastTrafficIsDefinedForTheBandwidthBoundKernels() {
        KernelShape s = KernelShape.of("llama-34m");
        // AdamW reads p, g, m, v and writes p, m, v: 7 floats per parameter of 34.09 M
        assertThat(KernelBench.minBytes("AdamWBench", "step", s)).isEqualTo(7.0 * 4 * 34_087_424L);
        assertThat(KernelBench.minBytes("SwigluBench", "forward", s)).isEqualTo(3.0 * 4 * 8 * 256 * 1408);
        // the bandwidth bench streams as many floats as the decoder has parameters: read once, or read + write
        assertThat(KernelBench.minBytes("MemoryBandwidthBench", "read", s)).isEqualTo(4.0 * 34_087_424L);
        assertThat(KernelBench.minBytes("MemoryBandwidthBench", "copy", s)).isEqualTo(8.0 * 34_087_424L);
        assertThat(KernelBench.minBytes("AttentionBench", "forward", s)).isNaN();
    }
}
