package dev.lethe.scale;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.eval.Progress;
import dev.lethe.eval.muse.MuseData;
import dev.lethe.eval.muse.MuseFiles;
import dev.lethe.eval.muse.MuseResult;
import dev.lethe.eval.muse.MuseRunner;
import dev.lethe.eval.muse.MuseSettings;
import dev.lethe.eval.muse.PrivLeakResult;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/**
 * MUSE evaluation spread over Spark tasks ({@code local[2]}: VerbMem, both KnowMems and both sets' membership scores
 * as five tasks) on the tiny fixture Llama and the eval module's MUSE test texts merges to exactly the single-process
 * result: the whole result, every number printed in full (shortest round-trip) precision, is equal.
 */
class DistributedMuseTest {
    static final Path DIR = Path.of("../eval/src/test/resources/muse");

    @Test
    void sparkEvaluationEqualsSingleProcessEvaluationToTheLastDigit() throws Exception {
        Path model = SharedFiles.path("fixtures/hf/llama");
        Path tokenizer = model.resolve("tokenizer.json");
        MuseSettings settings = MuseSettings.defaults().withBatchSize(3).withVerbmemPromptTokens(12)
                .withVerbmemMaxNewTokens(8).withKnowmemMaxNewTokens(6);
        List<MuseData.QaPair> icl = MuseFiles.readQa(DIR.resolve("qa_icl.jsonl"), 0);
        MuseData data = new MuseData(MuseFiles.readTexts(DIR.resolve("forget.jsonl"), 0),
                MuseFiles.readTexts(DIR.resolve("holdout.jsonl"), 0), null,
                MuseFiles.readQa(DIR.resolve("forget_qa.json"), 0), MuseFiles.readQa(DIR.resolve("retain_qa.jsonl"), 0),
                icl, null);
        PrivLeakResult.Reference reference = new PrivLeakResult.Reference(0.4, "test");
        MuseResult single;
        try (Tokenizer tok = Tokenizers.load(tokenizer)) {
            single = new MuseRunner(CausalLM.load(model), tok, settings, Progress.NONE).run(data, reference);
        }
        MuseResult spread;
        try (JavaSparkContext sc = new JavaSparkContext(SparkMaster.conf("local[2]", "muse-eval-test"))) {
            spread = DistributedMuse.run(sc, model.toString(), tokenizer.toString(), settings, data, reference);
        }
        ObjectMapper json = new ObjectMapper();
        String a = json.writeValueAsString(single);
        assertThat(a).contains("\"verbmem\"", "\"knowmemForget\"", "\"knowmemRetain\"", "\"GRAD_NORM\"",
                "\"LOWERCASE\"", "\"privLeak\"");
        assertThat(json.writeValueAsString(spread)).isEqualTo(a);
    }
}
