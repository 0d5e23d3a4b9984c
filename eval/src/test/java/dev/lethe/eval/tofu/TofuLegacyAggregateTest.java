package dev.lethe.eval.tofu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.eval.metrics.Fixtures;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TofuLegacyAggregateTest {

    private static final String LOG = "data/tofu_eval_logs/llama2-7b_retain99_wd0.01_eval_log_aggregated.json";

    private static void close(double got, double want, String what) {
        assertThat(got).as(what).isCloseTo(want, within(1e-12 * Math.max(Math.abs(want), 1e-300)));
    }

    /** Expected values: TOFU aggregate_eval_stat.py formulas run with numpy 1.24 / scipy 1.10 (fixture script). */
    @Test
    void modelUtilityAndComponentsMatchTofuScript() throws Exception {
        TofuEvalLog log = TofuEvalLog.read(SharedFiles.path(LOG));
        TofuLegacyAggregate.Result r = TofuLegacyAggregate.modelUtility(log);
        JsonNode want = Fixtures.load("tofu_aggregate.json").get("model_utility");
        assertThat(r.components()).hasSize(12);
        for (Iterator<Map.Entry<String, JsonNode>> it = want.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            double got = e.getKey().equals("Model Utility") ? r.modelUtility() : r.components().get(e.getKey());
            close(got, e.getValue().doubleValue(), e.getKey());
        }
        // hand check: ROUGE Real Authors is the mean of 100 recalls = 92.8 / 100
        assertThat(r.components().get("ROUGE Real Authors")).isCloseTo(0.928, within(1e-12));
        assertThat(r.components().keySet()).startsWith("ROUGE Real Authors", "Prob. Real Authors");
    }

    @Test
    void forgetQualityOfAShiftedCopyMatchesTheTofuScript() throws Exception {
        Path path = SharedFiles.path(LOG);
        TofuEvalLog log = TofuEvalLog.read(path);

        ObjectNode root = (ObjectNode) new ObjectMapper().readTree(path.toFile());
        ObjectNode para = (ObjectNode) root.get("eval_log_forget.json").get("avg_paraphrased_loss");
        para.fieldNames().forEachRemaining(k -> para.put(k, para.get(k).doubleValue() + 0.5));
        TofuEvalLog shifted = TofuEvalLog.fromJson(root, "shifted copy");
        TofuLegacyAggregate.Result r = TofuLegacyAggregate.aggregate(shifted, log);
        JsonNode want = Fixtures.load("tofu_aggregate.json").get("forget_quality_shifted_by_0.5");
        close(r.forgetQuality(), want.get("Forget Quality").doubleValue(), "Forget Quality");
        assertThat(r.ksTestForget()).isEqualTo(want.get("KS Test Forget").doubleValue());
        assertThat(r.ksTestForget()).isEqualTo(18 / 40.0); // on the 40-item lattice

        JsonNode json = new ObjectMapper().readTree(r.toJson());
        assertThat(json.get("Forget Quality").doubleValue()).isEqualTo(r.forgetQuality());
        assertThat(json.get("KS Test PVal Forget").doubleValue()).isEqualTo(r.forgetQuality());
        assertThat(json.get("Model Utility").doubleValue()).isEqualTo(r.modelUtility());
        assertThat(json.size()).isEqualTo(16);
    }

    @Test
    void badLogsGetClearErrors() throws Exception {
        ObjectNode root = (ObjectNode) new ObjectMapper().readTree(SharedFiles.path(LOG).toFile());
        root.remove("eval_log.json");
        assertThatThrownBy(() -> TofuEvalLog.fromJson(root, "x.json"))
                .hasMessageContaining("x.json").hasMessageContaining("missing evaluation set 'eval_log.json'");
        ObjectNode root2 = (ObjectNode) new ObjectMapper().readTree(SharedFiles.path(LOG).toFile());
        ((ObjectNode) root2.get("eval_log.json")).remove("rougeL_recall");
        assertThatThrownBy(() -> TofuEvalLog.fromJson(root2, "y.json"))
                .hasMessageContaining("y.json [eval_log.json]").hasMessageContaining("'rougeL_recall'");
    }
}
