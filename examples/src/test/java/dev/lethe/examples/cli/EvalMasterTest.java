package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.engine.testing.SharedFiles;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lethe eval --master local[2]} spreads TOFU, SemEval and MMLU over Spark tasks and writes the same report
 * numbers as the in-process run (every value of {@code headline} and {@code results}, compared as JSON trees, so to
 * the last digit); benchmarks without a distributed runner and an unreachable master are refused before any work.
 */
class EvalMasterTest {
    @TempDir
    Path tmp;

    @Test
    void tofuOnLocalTwoEqualsTheInProcessReport() throws Exception {
        String model = SharedFiles.path("fixtures/hf/llama").toString();
        // the forget set and the MIA only (the utility sets would only add time), 3 items each
        String[] common = {"eval", "--model", model, "--benchmark", "tofu", "--forget",
            SharedFiles.path("data/tofu/forget01_perturbed.json").toString(), "--limit", "3", "--max-new-tokens", "3",
            "--holdout",
            SharedFiles.path("data/tofu/retain_perturbed.json").toString(), "--retain-model", model, "--no-progress"};
        JsonNode a = inProcessReportEqualsSparkReport(common);
        assertThat(a.path("headline").has("mia_reference_auc")).isTrue();
        assertThat(a.path("headline").has("mia_grad_norm_auc")).isTrue();
    }

    @Test
    void semevalOnLocalTwoEqualsTheInProcessReport() throws Exception {
        String model = SharedFiles.path("fixtures/hf/llama").toString();
        Path mia = EvalCommandTest.miaDocuments(tmp);
        // 4 records per split in batches of 3: a full and a ragged batch in each generation task
        String[] common = {"eval", "--model", model, "--benchmark", "semeval", "--data",
            SharedFiles.path("data/lume").toString(), "--limit", "4", "--batch", "3", "--max-new-tokens", "3",
            "--mia-data", mia.toString(), "--no-progress"};
        JsonNode a = inProcessReportEqualsSparkReport(common);
        assertThat(a.path("results").path("items").size()).isEqualTo(8);
        assertThat(a.path("results").path("mia").path("member_nll").size()).isEqualTo(2);
        assertThat(a.path("headline").size()).isPositive();
        CliRun saved = CliRun.of("eval", "--benchmark", "semeval", "--data", SharedFiles.path("data/lume").toString(),
                "--predictions", tmp.resolve("p.jsonl").toString(), "--master", "local[2]", "--out",
                tmp.resolve("p").toString());
        assertThat(saved.code()).isNotZero();
        assertThat(saved.err()).contains("scoring --predictions needs no model: drop --master");
    }

    @Test
    void mmluOnLocalTwoEqualsTheInProcessReport() throws Exception {
        String model = SharedFiles.path("fixtures/hf/llama").toString();
        // 2 subjects x 3 questions in batches of 2: three batches over the two tasks, the last one ragged
        String[] common = {"eval", "--model", model, "--benchmark", "mmlu", "--data",
            SharedFiles.path("data/mmlu").toString(), "--subjects", "anatomy,virology", "--shots", "1", "--limit", "3",
            "--batch", "2", "--no-progress"};
        JsonNode a = inProcessReportEqualsSparkReport(common);
        assertThat(a.path("headline").has("accuracy")).isTrue();
    }

    @Test
    void unsupportedBenchmarkAndUnreachableMasterAreRefused() {
        String model = SharedFiles.path("fixtures/hf/llama").toString();
        CliRun xs = CliRun.of("eval", "--model", model, "--benchmark", "xstest", "--master", "local[2]", "--out",
                tmp.resolve("x").toString());
        assertThat(xs.code()).isNotZero();
        assertThat(xs.err()).contains("distributed evaluation supports tofu, muse, semeval, mmlu and mcq");
        CliRun dead = CliRun.of("eval", "--model", model, "--benchmark", "tofu", "--data",
                SharedFiles.path("data/tofu").toString(), "--master", "spark://127.0.0.1:1", "--out",
                tmp.resolve("d").toString());
        assertThat(dead.code()).isNotZero();
        assertThat(dead.err()).contains("no Spark master answers at 127.0.0.1:1");
    }

    /**
     * Runs {@code lethe eval} with {@code common} in process and on {@code local[2]}, asserts both succeed with equal
     * {@code headline} and {@code results} (JSON trees: every number to the last digit), and returns the first report.
     */
    private JsonNode inProcessReportEqualsSparkReport(String[] common) throws IOException {
        CliRun one = CliRun.of(concat(common, "--out", tmp.resolve("one").toString()));
        assertThat(one.code()).as(one.err()).isZero();
        CliRun spread = CliRun.of(concat(common, "--master", "local[2]", "--out", tmp.resolve("spark").toString()));
        assertThat(spread.code()).as(spread.err()).isZero();
        ObjectMapper m = new ObjectMapper();
        JsonNode a = m.readTree(tmp.resolve("one/report.json").toFile());
        JsonNode b = m.readTree(tmp.resolve("spark/report.json").toFile());
        assertThat(b.path("headline")).isEqualTo(a.path("headline"));
        assertThat(b.path("results")).isEqualTo(a.path("results"));
        return a;
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
