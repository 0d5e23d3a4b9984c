package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.engine.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lethe eval} end to end on the random tiny Llama fixture, a few items per set. */
class EvalCommandTest {

    @TempDir
    Path tmp;

    @Test
    void writesReportsWithForgetQualityMiaAndBaseline() throws Exception {
        String model = SharedFiles.path("fixtures/hf/llama").toString();
        String data = SharedFiles.path("data/tofu").toString();
        String holdout = SharedFiles.path("data/tofu/retain_perturbed.json").toString();
        Path first = tmp.resolve("retain-run");
        CliRun a = CliRun.of("eval", "--model", model, "--benchmark", "tofu", "--data", data, "--limit", "3",
                "--batch", "4", "--max-new-tokens", "3", "--out", first.toString());
        assertThat(a.code()).as(a.err()).isZero();
        assertThat(a.err()).contains("forget: probabilities", "world_facts: generation");
        JsonNode head = new ObjectMapper().readTree(a.out());
        assertThat(head.has("model_utility")).isTrue();
        assertThat(head.has("forget_quality")).isFalse();
        assertThat(Files.exists(first.resolve("report.html"))).isTrue();

        Path second = tmp.resolve("after");
        Path log = tmp.resolve("metrics.jsonl");
        Files.writeString(log, "{\"step\":1,\"loss\":3.0}\n{\"step\":2,\"loss\":2.5}\n");
        CliRun b = CliRun.of("eval", "--model", model, "--data", data, "--limit", "3", "--max-new-tokens", "3",
                "--holdout", holdout, "--retain-report", first.toString(), "--baseline", first.toString(),
                "--metrics-log", log.toString(), "--no-progress", "--out", second.toString());
        assertThat(b.code()).as(b.err()).isZero();
        JsonNode h2 = new ObjectMapper().readTree(b.out());
        // same model, same items: the forget truth-ratio samples are identical, so the KS p-value is 1
        assertThat(h2.get("forget_quality").asDouble()).isEqualTo(1.0);
        assertThat(h2.get("model_utility").asDouble()).isEqualTo(head.get("model_utility").asDouble());
        assertThat(h2.has("mia_loss_auc")).isTrue();
        JsonNode rep = new ObjectMapper().readTree(second.resolve("report.json").toFile());
        assertThat(rep.path("model").path("sha256").asText()).hasSize(64);
        assertThat(rep.path("baseline").path("headline").has("model_utility")).isTrue();
        assertThat(rep.path("results").path("splits").path("forget").path("items").size()).isEqualTo(3);
        String html = Files.readString(second.resolve("report.html"));
        assertThat(html).contains("Before / after", "data:image/png;base64,");
    }

    @Test
    void unknownBenchmarkAndMissingSetsAreClearErrors() {
        String model = SharedFiles.path("fixtures/hf/llama").toString();
        CliRun r = CliRun.of("eval", "--model", model, "--benchmark", "muse", "--out", tmp.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("not implemented yet");
        CliRun s = CliRun.of("eval", "--model", model, "--out", tmp.toString());
        assertThat(s.err()).contains("no TOFU sets");
    }
}
