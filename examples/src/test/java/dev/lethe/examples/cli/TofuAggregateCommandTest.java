package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.engine.testing.SharedFiles;
import org.junit.jupiter.api.Test;

class TofuAggregateCommandTest {

    static final String LOG = "data/tofu_eval_logs/llama2-7b_retain99_wd0.01_eval_log_aggregated.json";

    @Test
    void printsTofuNamedJsonAndForgetQualityOfALogAgainstItselfIsOne() throws Exception {
        String log = SharedFiles.path(LOG).toString();
        CliRun r = CliRun.of("tofu-aggregate", "--target", log, "--retain", log);
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("Forget Quality").asDouble()).isEqualTo(1.0);
        assertThat(j.get("KS Test Forget").asDouble()).isEqualTo(0.0);
        assertThat(j.has("Model Utility")).isTrue();
        // "ROUGE Forget" is the plain mean of the log's forget rougeL_recall values, read here independently
        JsonNode forget = new ObjectMapper().readTree(SharedFiles.path(LOG).toFile()).get("eval_log_forget.json")
                .get("rougeL_recall");
        double sum = 0;
        for (JsonNode v : forget) {
            sum += v.asDouble();
        }
        assertThat(j.get("ROUGE Forget").asDouble()).isCloseTo(sum / forget.size(), within(1e-12));
        CliRun mu = CliRun.of("tofu-aggregate", "--target", log);
        assertThat(mu.code()).isZero();
        assertThat(new ObjectMapper().readTree(mu.out()).has("Forget Quality")).isFalse();
    }
}
