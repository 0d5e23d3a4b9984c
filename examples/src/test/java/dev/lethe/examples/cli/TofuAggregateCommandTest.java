package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.engine.testing.SharedFiles;
import java.nio.file.Path;
import java.util.Iterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TofuAggregateCommandTest {

    static final String LOG = "data/tofu_eval_logs/llama2-7b_retain99_wd0.01_eval_log_aggregated.json";

    @Test
    void forgetQualityIsTheKsTestOfTwoDifferentLogs(@TempDir Path tmp) throws Exception {
        // target: the shared log with 0.5 added to every forget avg_paraphrased_loss (truth ratios fall by e^-0.5)
        ObjectMapper json = new ObjectMapper();
        ObjectNode shifted = (ObjectNode) json.readTree(SharedFiles.path(LOG).toFile());
        ObjectNode para = (ObjectNode) shifted.get("eval_log_forget.json").get("avg_paraphrased_loss");
        for (Iterator<String> it = para.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            para.put(k, para.get(k).asDouble() + 0.5);
        }
        Path target = tmp.resolve("shifted.json");
        json.writeValue(target.toFile(), shifted);
        CliRun r = CliRun.of("tofu-aggregate", "--target", target.toString(), "--retain",
                SharedFiles.path(LOG).toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = json.readTree(r.out());
        // scipy.stats.ks_2samp on the two truth-ratio samples: src/test/resources/tofu/shifted_log_forget_quality.py
        assertThat(j.get("KS Test Forget").asDouble()).isCloseTo(0.45, within(1e-12));
        assertThat(j.get("Forget Quality").asDouble()).isCloseTo(0.0005039436209702519, within(1e-12));
        assertThat(j.get("KS Test PVal Forget").asDouble()).isEqualTo(j.get("Forget Quality").asDouble());
    }

    @Test
    void printsTofuNamedJsonWithTheLogsOwnRougeAndNoForgetQualityWithoutARetainLog() throws Exception {
        String log = SharedFiles.path(LOG).toString();
        CliRun r = CliRun.of("tofu-aggregate", "--target", log);
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.has("Model Utility")).isTrue();
        // "ROUGE Forget" is the plain mean of the log's forget rougeL_recall values, read here independently
        JsonNode forget = new ObjectMapper().readTree(SharedFiles.path(LOG).toFile()).get("eval_log_forget.json")
                .get("rougeL_recall");
        double sum = 0;
        for (JsonNode v : forget) {
            sum += v.asDouble();
        }
        assertThat(j.get("ROUGE Forget").asDouble()).isCloseTo(sum / forget.size(), within(1e-12));
        assertThat(j.has("Forget Quality")).isFalse();
    }
}
