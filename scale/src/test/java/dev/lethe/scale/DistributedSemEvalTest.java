package dev.lethe.scale;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.eval.Progress;
import dev.lethe.eval.semeval.LumeItem;
import dev.lethe.eval.semeval.SemEvalFiles;
import dev.lethe.eval.semeval.SemEvalRunner;
import dev.lethe.eval.semeval.SemEvalScorer;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/**
 * SemEval-2025 Task 4's model side spread over Spark tasks ({@code local[2]}: forget and retain generations, member
 * and non-member NLLs as four tasks) on the tiny fixture Llama and four LUME records per split (batches of three, so a
 * ragged last batch) gives exactly the single-process outputs and scores: both serialised to JSON, every number in
 * full (shortest round-trip) precision, are equal.
 */
class DistributedSemEvalTest {
    @Test
    void sparkEvaluationEqualsSingleProcessEvaluationToTheLastDigit() throws Exception {
        Path model = SharedFiles.path("fixtures/hf/llama");
        Path tokenizer = model.resolve("tokenizer.json");
        List<List<LumeItem>> sets = SemEvalFiles.readData(SharedFiles.path("data/lume"));
        List<LumeItem> forget = sets.get(0).subList(0, 4);
        List<LumeItem> retain = sets.get(1).subList(0, 4);
        // MIA documents: the forget inputs as members, the retain inputs as non-members
        List<String> members = forget.stream().map(LumeItem::input).toList();
        List<String> nonMembers = retain.stream().map(LumeItem::input).toList();
        SemEvalRunner.Outputs single;
        try (Tokenizer tok = Tokenizers.load(tokenizer)) {
            single = new SemEvalRunner(CausalLM.load(model), tok, 3, 4, 512, Progress.NONE).run(forget, retain,
                    members, nonMembers);
        }
        SemEvalRunner.Outputs spread;
        try (JavaSparkContext sc = new JavaSparkContext(SparkMaster.conf("local[2]", "semeval-eval-test"))) {
            spread = DistributedSemEval.run(sc, model.toString(), tokenizer.toString(), 3, 4, 512, forget, retain,
                    members, nonMembers);
        }
        assertThat(single.generations()).hasSize(8);
        assertThat(single.mia().member()).hasSize(4);
        assertThat(single.mia().nonMember()).hasSize(4);
        ObjectMapper json = new ObjectMapper();
        assertThat(json.writeValueAsString(spread)).isEqualTo(json.writeValueAsString(single));
        assertThat(json.writeValueAsString(SemEvalScorer.score(forget, retain, spread.generations(), spread.mia(),
                null))).isEqualTo(json.writeValueAsString(SemEvalScorer.score(forget, retain, single.generations(),
                single.mia(), null)));
    }
}
