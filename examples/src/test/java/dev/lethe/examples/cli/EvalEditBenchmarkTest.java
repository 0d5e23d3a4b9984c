package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.engine.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lethe eval --benchmark mquake} on the gpt2 fixture against itself as baseline: same scores, same perplexity.
 */
class EvalEditBenchmarkTest {
    @Test
    void mquakeReportWithBaselineAndPerplexity(@TempDir Path dir) throws Exception {
        Path fixture = SharedFiles.path("fixtures/hf/gpt2");
        Path texts = dir.resolve("unrelated.txt");
        Files.writeString(texts, "The weather today is mild.\nShe opened the door and left.\n");
        CliRun r = CliRun.of("eval", "--benchmark", "mquake", "--model", fixture.toString(), "--data",
                SharedFiles.path("data/mquake/MQuAKE-hard.json").toString(), "--limit", "2", "--baseline",
                fixture.toString(), "--holdout-text", texts.toString(), "--out", dir.resolve("out").toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(dir.resolve("out/report.json").toFile());
        assertThat(json.get("edited").get("records").asInt()).isEqualTo(2);
        assertThat(json.get("edited")).isEqualTo(json.get("baseline"));
        double ppl = json.get("unrelated_perplexity").asDouble();
        assertThat(ppl).isGreaterThan(1).isEqualTo(json.get("unrelated_perplexity_baseline").asDouble());
        assertThat(Files.readString(dir.resolve("out/report.html"))).contains("editWise", "unrelated perplexity");
    }
}
