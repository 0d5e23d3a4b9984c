package dev.lethe.eval.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.engine.testing.SharedFiles;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RougeTest {

    private final Rouge rouge = Rouge.withStemmer();

    /** All 557 [prompt, generation, answer] triples of the official TOFU log: reference = answer, prediction = generation. */
    @Test
    void reproducesEveryRougeScoreOfTheOfficialTofuLog() throws Exception {
        JsonNode root = new ObjectMapper().readTree(SharedFiles.path(
                "data/tofu_eval_logs/llama2-7b_retain99_wd0.01_eval_log_aggregated.json").toFile());
        int checked = 0;
        List<String> mismatches = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> sets = root.fields(); sets.hasNext(); ) {
            Map.Entry<String, JsonNode> set = sets.next();
            JsonNode texts = set.getValue().get("generated_text");
            for (Iterator<String> ids = texts.fieldNames(); ids.hasNext(); ) {
                String id = ids.next();
                String generation = texts.get(id).get(1).asText();
                String answer = texts.get(id).get(2).asText();
                double l = rouge.rougeL(answer, generation).recall();
                double one = rouge.rouge1(answer, generation).recall();
                double wantL = set.getValue().get("rougeL_recall").get(id).doubleValue();
                double want1 = set.getValue().get("rouge1_recall").get(id).doubleValue();
                if (Math.abs(l - wantL) > 1e-9 || Math.abs(one - want1) > 1e-9) {
                    mismatches.add(set.getKey() + "/" + id + ": L " + l + " vs " + wantL + ", 1 " + one + " vs " + want1);
                }
                checked++;
            }
        }
        assertThat(checked).isEqualTo(557);
        assertThat(mismatches).isEmpty();
    }

    @Test
    void matchesPythonReferenceOnEdgeCases() {
        for (JsonNode c : Fixtures.load("rouge_edge.json").get("cases")) {
            String ref = c.get("reference").asText();
            String pred = c.get("prediction").asText();
            List<String> refTokens = new ArrayList<>();
            c.get("reference_tokens").forEach(t -> refTokens.add(t.asText()));
            assertThat(rouge.tokenize(ref)).as(ref).isEqualTo(refTokens);
            Rouge.Score l = rouge.rougeL(ref, pred);
            Rouge.Score one = rouge.rouge1(ref, pred);
            double[] wantL = Fixtures.doubles(c.get("rougeL"));
            double[] want1 = Fixtures.doubles(c.get("rouge1"));
            assertThat(new double[] {l.precision(), l.recall(), l.fmeasure()}).as(ref + " | " + pred).containsExactly(wantL);
            assertThat(new double[] {one.precision(), one.recall(), one.fmeasure()}).as(ref + " | " + pred).containsExactly(want1);
        }
    }

    @Test
    void handCalculatedCases() {
        // empty and punctuation-only: no tokens, all zero
        assertThat(rouge.rougeL("", "")).isEqualTo(new Rouge.Score(0, 0, 0));
        assertThat(rouge.rougeL("?!... ---", "hello")).isEqualTo(new Rouge.Score(0, 0, 0));
        assertThat(rouge.tokenize("  ...!!  ")).isEmpty();
        // stemming: running -> run, runs -> run; "ran" (3 chars) is not stemmed
        assertThat(rouge.tokenize("Running runs ran")).containsExactly("run", "run", "ran");
        assertThat(new Rouge(false).tokenize("Running runs")).containsExactly("running", "runs");
        // repeated words: ref "the cat sat on the mat" (6), pred "the cat the cat the cat" (6); LCS = "the cat ... the" = 3
        Rouge.Score l = rouge.rougeL("The cat sat on the mat.", "the cat the cat the cat");
        assertThat(l.recall()).isEqualTo(3 / 6.0);
        assertThat(l.precision()).isEqualTo(3 / 6.0);
        // ROUGE-1 clips counts: the x2 in ref vs x3 in pred -> 2, cat x1 vs x3 -> 1: overlap 3
        assertThat(rouge.rouge1("The cat sat on the mat.", "the cat the cat the cat").recall()).isEqualTo(0.5);
        // reversed order: LCS 1 of 5, ROUGE-1 5 of 5
        assertThat(rouge.rougeL("A B C D E", "E D C B A").recall()).isEqualTo(0.2);
        assertThat(rouge.rouge1("A B C D E", "E D C B A").fmeasure()).isEqualTo(1.0);
        // F1 = 2PR/(P+R): ref 4 tokens, pred 2 tokens, LCS 2 -> P 1, R 0.5, F 2/3
        assertThat(rouge.rougeL("one two three four", "two four").fmeasure()).isCloseTo(2.0 / 3, within(1e-15));
        // non-ASCII letters split words; Kelvin sign lower-cases to ASCII k
        assertThat(rouge.tokenize("café K\u212a")).containsExactly("caf", "kk");
    }
}
