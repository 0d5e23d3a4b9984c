package dev.lethe.scale;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.eval.Progress;
import dev.lethe.eval.mcq.McqBenchmark;
import dev.lethe.eval.mcq.McqEvaluator;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/**
 * Multiple-choice evaluation spread over Spark tasks ({@code local[2]}, two parts) on the tiny fixture Llama, with
 * the MCQ fixtures (zero-shot MMLU anatomy and virology, 4 questions each, in batches of 3: three batches,
 * the last ragged; and the 4-question WMDP-format file), gives exactly the single-process result: both serialised
 * to JSON, every log-probability in full (shortest round-trip) precision, are equal.
 */
class DistributedMcqTest {
    @Test
    void sparkEvaluationEqualsSingleProcessEvaluationToTheLastDigit() throws Exception {
        Path model = SharedFiles.path("fixtures/hf/llama");
        Path tokenizer = model.resolve("tokenizer.json");
        List<McqBenchmark> benchmarks = List.of(
                McqBenchmark.mmlu(SharedFiles.path("data/mmlu"), List.of("anatomy", "virology"), 0, 4),
                McqBenchmark.json(Path.of("../eval/src/test/resources/mcq/tiny_wmdp.json"), "biology", 0));
        ObjectMapper json = new ObjectMapper();
        try (JavaSparkContext sc = new JavaSparkContext(SparkMaster.conf("local[2]", "mcq-eval-test"));
                Tokenizer tok = Tokenizers.load(tokenizer)) {
            CausalLM lm = CausalLM.load(model);
            for (McqBenchmark b : benchmarks) {
                McqEvaluator.Result single = new McqEvaluator(lm, tok, 3, true).evaluate(b.items(), b.contexts(),
                        Progress.NONE);
                McqEvaluator.Result spread = DistributedMcq.run(sc, model.toString(), tokenizer.toString(), 3, true,
                        b.items(), b.contexts(), 2);
                assertThat(single.scored()).hasSize(b.items().size());
                String a = json.writeValueAsString(single);
                assertThat(a).contains("\"logProbs\"", "\"subjects\"");
                assertThat(json.writeValueAsString(spread)).isEqualTo(a);
            }
        }
    }
}
