package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.examples.bench.TrainBench;
import org.junit.jupiter.api.Test;

/** {@code lethe bench train|generate} print one JSON line with the timings, on tiny shapes. */
class BenchCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void trainPrintsOneJsonLinePerMode() throws Exception {
        for (String mode : TrainBench.MODES) {
            CliRun r = CliRun.of("bench", "train", "--mode", mode, "--layers", "1", "--batch", "2", "--seq", "6",
                    "--steps", "1", "--profile");
            assertThat(r.code()).as(r.err()).isZero();
            JsonNode j = JSON.readTree(r.out().trim());
            assertThat(j.get("mode").asText()).isEqualTo(mode);
            assertThat(j.get("step_s").asDouble()).isPositive();
            assertThat(j.get("tokens_per_s").asDouble()).isPositive();
            assertThat(j.get("loss").asDouble()).isFinite();
            if (mode.equals("sft")) {
                // uniform random tokens under a freshly initialised model: the mean NLL is logsumexp(z) - mean(z) on
                // average, at least ln 8192 = 9.0109 (Jensen) and above it by about Var(z)/2, small for N(0, 0.02^2)
                // weights (9.14 measured); a sum instead of a mean, or log2, would be far off
                assertThat(j.get("loss").asDouble()).isBetween(Math.log(8192) - 0.05, Math.log(8192) + 0.3);
            }
            assertThat(j.get("gemm_share").asDouble()).isBetween(0.0, 1.0);
            assertThat(j.get("params").asLong()).isEqualTo(2L * 8192 * 512 + 512 + 4L * 512 * 512 + 3L * 512 * 1408
                    + 2 * 512);
        }
    }

    @Test
    void trainRejectsUnknownMode() {
        CliRun r = CliRun.of("bench", "train", "--mode", "dpo", "--layers", "1", "--seq", "4", "--batch", "1");
        assertThat(r.code()).isNotZero();
    }

    @Test
    void generatePrintsDecodeSpeed() throws Exception {
        java.nio.file.Path dir = dev.lethe.engine.testing.SharedFiles.path("models/stories260K/hf");
        CliRun r = CliRun.of("bench", "generate", "--workload", dir.toString(), "--new-tokens", "4", "--repeats", "1");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = JSON.readTree(r.out().trim());
        assertThat(j.get("decode_tokens_per_s").asDouble()).isPositive();
        assertThat(j.get("new_tokens").asInt()).isEqualTo(4);
    }
}
