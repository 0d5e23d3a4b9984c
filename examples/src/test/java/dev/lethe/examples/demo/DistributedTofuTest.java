package dev.lethe.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.eval.Progress;
import dev.lethe.eval.tofu.TofuItem;
import dev.lethe.eval.tofu.TofuResult;
import dev.lethe.eval.tofu.TofuRunner;
import dev.lethe.eval.tofu.TofuSplit;
import dev.lethe.scale.DistributedTofu;
import dev.lethe.scale.SparkMaster;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TOFU evaluation spread over Spark tasks ({@code local[2]}: forget, retain and MIA as three tasks) merges to exactly
 * the single-process result: every number of the result, printed in full (shortest round-trip) precision, is equal.
 */
class DistributedTofuTest {
    @TempDir
    Path tmp;

    @Test
    void sparkEvaluationEqualsSingleProcessEvaluationToTheLastDigit() throws Exception {
        DemoData data = DemoSweepTaskTest.tinyData(tmp);
        Path model = DemoSweepTaskTest.tinyModel(tmp, "model", 3, data);
        double[] reference = {0.5, 0.7, 0.9};
        TofuResult single;
        try (Tokenizer tok = Tokenizers.load(data.tokenizer())) {
            single = new TofuRunner(CausalLM.load(model), tok, DemoEvaluation.SETTINGS, Progress.NONE).run(
                    List.of(TofuSplit.forget(data.forget(), 0), TofuSplit.retain(data.retain(), 0)),
                    TofuItem.read(data.holdout(), 0), reference);
        }
        TofuResult spread;
        try (JavaSparkContext sc = new JavaSparkContext(SparkMaster.conf("local[2]", "tofu-eval-test"))) {
            spread = DistributedTofu.run(sc, model.toString(), data.tokenizer().toString(), DemoEvaluation.SETTINGS,
                    List.of(new DistributedTofu.SetSpec("forget", TofuSplit.Kind.FORGET, data.forget().toString(), 0),
                            new DistributedTofu.SetSpec("retain", TofuSplit.Kind.RETAIN, data.retain().toString(), 0)),
                    data.holdout().toString(), reference);
        }
        ObjectMapper json = new ObjectMapper();
        String a = json.writeValueAsString(single);
        assertThat(a).contains("\"forgetQuality\"").contains("\"truthRatio\"").contains("\"lossAuc\"").contains("\"generation\"");
        assertThat(json.writeValueAsString(spread)).isEqualTo(a);
    }
}
