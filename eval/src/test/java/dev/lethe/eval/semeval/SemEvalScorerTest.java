package dev.lethe.eval.semeval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SemEval-2025 Task 4 scoring of saved outputs on the hand-made set in test resources semeval/tiny, against a hand
 * calculation. ROUGE tokens are lower-cased alphanumeric words; words of up to 3 letters are not stemmed and both
 * sides are stemmed alike, so LCS counts are plain word counts here.
 *
 * <pre>
 * forget  Task1 sc  "the cat sat on the mat" vs "the cat ran": LCS "the cat" = 2 of 6   -> 1/3
 *         Task1 qa  "Paris" vs "  paris\n" -> 1;  "Rome" vs "Milan" -> 0             -> 1/2
 *         Task2 sc  "alpha beta gamma delta" vs "alpha gamma": LCS 2 of 4          -> 1/2
 *         Task2 qa  "42" vs "42" -> 1;  "blue" vs "red" -> 0                          -> 1/2
 *         inverted (1 - v): 2/3, 1/2, 1/2, 1/2
 * retain  Task1 sc  "one two three four five" vs "... five six": LCS 5 of 5          -> 1
 *         Task1 qa  "yes" vs "Yes"                                                    -> 1
 *         Task2 sc  "red green blue yellow" vs "red blue": LCS 2 of 4               -> 1/2
 *         Task2 qa  "7" vs "seven" -> 0;  "dog" vs " DOG " -> 1                        -> 1/2
 *         "r2doc" ends in neither sc? nor qa?: not scored
 * task aggregate = 8 / (3/2 + 2 + 2 + 2 + 1 + 1 + 2 + 2) = 8 / 13.5 = 16/27
 * MIA: scores -nll; members -1, -2; non-members -1.5, -3; member above non-member in 3 of 4 pairs: AUC = 3/4,
 *      mia_score = 1 - 2 |3/4 - 1/2| = 1/2
 * final (MMLU 0.4) = (16/27 + 1/2 + 2/5) / 3 = (16/27 + 9/10) / 3 = 403/810
 * </pre>
 */
class SemEvalScorerTest {

    static final Path TINY = Path.of("src/test/resources/semeval/tiny");

    @TempDir
    Path tmp;

    static SemEvalScorer.Result tiny(Double mmlu, boolean mia) throws Exception {
        List<List<LumeItem>> data = SemEvalFiles.readData(TINY);
        return SemEvalScorer.score(data.get(0), data.get(1),
                SemEvalFiles.readPredictions(TINY.resolve("predictions.jsonl")),
                mia ? SemEvalFiles.readMia(TINY.resolve("mia.jsonl")) : null, mmlu);
    }

    @Test
    void tinySetEqualsTheHandCalculation() throws Exception {
        SemEvalScorer.Result r = tiny(0.4, true);
        assertThat(r.forget().tasks()).extracting(SemEvalScorer.TaskScore::task).containsExactly("Task1", "Task2");
        SemEvalScorer.TaskScore f1 = r.forget().tasks().get(0);
        SemEvalScorer.TaskScore f2 = r.forget().tasks().get(1);
        SemEvalScorer.TaskScore r1 = r.retain().tasks().get(0);
        SemEvalScorer.TaskScore r2 = r.retain().tasks().get(1);
        assertThat(f1.regurgitation()).isCloseTo(1.0 / 3, within(1e-15));
        assertThat(f1.knowledge()).isEqualTo(0.5);
        assertThat(f1.qaItems()).isEqualTo(2);
        assertThat(f2.regurgitation()).isEqualTo(0.5);
        assertThat(f2.knowledge()).isEqualTo(0.5);
        assertThat(r1.regurgitation()).isEqualTo(1.0);
        assertThat(r1.knowledge()).isEqualTo(1.0);
        assertThat(r2.regurgitation()).isEqualTo(0.5);
        assertThat(r2.knowledge()).isEqualTo(0.5);
        assertThat(r2.qaItems()).isEqualTo(2);
        assertThat(r.retain().unscored()).isEqualTo(1);
        assertThat(r.forget().overallRegurgitation()).isCloseTo(5.0 / 12, within(1e-15));
        assertThat(r.forget().overallKnowledge()).isEqualTo(0.5);
        assertThat(r.aggregatedTerms()).hasSize(8);
        assertThat(r.aggregatedTerms().get(0)).isCloseTo(2.0 / 3, within(1e-15));
        assertThat(r.aggregatedTerms().subList(1, 8)).containsExactly(0.5, 0.5, 0.5, 1.0, 1.0, 0.5, 0.5);
        assertThat(r.taskAggregate()).isCloseTo(16.0 / 27, within(1e-15));
        assertThat(r.miaAuc()).isEqualTo(0.75);
        assertThat(r.miaScore()).isEqualTo(0.5);
        assertThat(r.finalScore()).isCloseTo(403.0 / 810, within(1e-15));
        assertThat(r.mmluBelowThreshold()).isFalse();
    }

    @Test
    void reportCarriesEveryValueAndNullsWhatIsMissing() throws Exception {
        ObjectNode rep = SemEvalReport.build(tiny(null, true), null, null, Map.of("data", TINY.toString()));
        JsonNode h = rep.get("headline");
        assertThat(h.get("task_aggregate").asDouble()).isCloseTo(16.0 / 27, within(1e-15));
        assertThat(h.get("mia_score").asDouble()).isEqualTo(0.5);
        assertThat(h.get("mmlu").isNull()).isTrue();
        assertThat(h.get("final_score").isNull()).isTrue();
        assertThat(h.get("forget_Task2_knowledge").asDouble()).isEqualTo(0.5);
        assertThat(h.get("retain_Task1_regurgitation").asDouble()).isEqualTo(1.0);
        JsonNode res = rep.get("results");
        assertThat(res.path("forget").path("tasks").path("Task1").path("sc_items").asInt()).isEqualTo(1);
        assertThat(res.path("items").size()).isEqualTo(12);
        assertThat(res.path("mia").path("member_nll").size()).isEqualTo(2);
        assertThat(res.path("final_score_note").asText()).contains("MMLU");
        // low MMLU is flagged, as the official script warns
        assertThat(tiny(0.3, false).mmluBelowThreshold()).isTrue();
        assertThat(tiny(0.3, false).finalScore()).isNull();
    }

    /**
     * results.mia.roc in report.json, by hand: scores -nll, members (positive) -1, -2, non-members -1.5, -3. Sorted:
     * -1 (m), -1.5 (n), -2 (m), -3 (n), so (fpr, tpr) = (0, 0), (0, 1/2), (1/2, 1/2), (1/2, 1), (1, 1); no point is
     * collinear with its neighbours; trapezoid area 1/2 * 1/2 + 1/2 * 1 = 3/4 = the MIA AUC.
     */
    @Test
    void reportJsonHoldsTheRocPointsOfTheMiaAuc() throws Exception {
        ObjectNode rep = SemEvalReport.build(tiny(0.4, true), null, null, Map.of());
        Path out = tmp.resolve("rep");
        dev.lethe.eval.report.HtmlReport.write(out, rep, null, null, null);
        JsonNode roc = dev.lethe.eval.report.Json.readReport(out).path("results").path("mia").path("roc");
        assertThat(doubles(roc.path("fpr"))).containsExactly(0, 0, 0.5, 0.5, 1);
        assertThat(doubles(roc.path("tpr"))).containsExactly(0, 0.5, 0.5, 1, 1);
        double area = 0;
        for (int i = 1; i < roc.path("fpr").size(); i++) {
            area += (roc.path("fpr").get(i).asDouble() - roc.path("fpr").get(i - 1).asDouble())
                    * (roc.path("tpr").get(i).asDouble() + roc.path("tpr").get(i - 1).asDouble()) / 2;
        }
        assertThat(area).isEqualTo(0.75);
        assertThat(roc.path("auc").asDouble()).isEqualTo(0.75);
        assertThat(Files.readString(out.resolve("report.html"))).contains("data:image/png;base64,");
    }

    static double[] doubles(JsonNode a) {
        double[] v = new double[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).asDouble();
        }
        return v;
    }

    @Test
    void idKindFollowsTheOfficialRule() {
        assertThat(LumeItem.kindOf("\"8f24c511\"sc1")).isEqualTo(LumeItem.Kind.SC);
        assertThat(LumeItem.kindOf("abcqa4")).isEqualTo(LumeItem.Kind.QA);
        assertThat(LumeItem.kindOf("abcqa10")).isEqualTo(LumeItem.Kind.OTHER); // id[:-1] = "abcqa1"
        assertThat(LumeItem.kindOf("")).isEqualTo(LumeItem.Kind.OTHER);
    }

    @Test
    void clearErrors() throws Exception {
        List<List<LumeItem>> data = SemEvalFiles.readData(TINY);
        Map<String, String> gens = new HashMap<>(SemEvalFiles.readPredictions(TINY.resolve("predictions.jsonl")));
        gens.remove("r2qa1");
        assertThatThrownBy(() -> SemEvalScorer.score(data.get(0), data.get(1), gens, null, null))
                .hasMessageContaining("\"r2qa1\" has no generation");
        assertThatThrownBy(() -> SemEvalScorer.score(data.get(0), data.get(1), gens, null, 40.0))
                .hasMessageContaining("not a percentage");
        Path bad = tmp.resolve("p.jsonl");
        Files.writeString(bad, "{\"id\": \"a\", \"generation\": \"x\"}\n{\"id\": \"b\"}\n");
        assertThatThrownBy(() -> SemEvalFiles.readPredictions(bad))
                .hasMessageContaining("line 2").hasMessageContaining("\"generation\"");
        Path mia = tmp.resolve("m.jsonl");
        Files.writeString(mia, "{\"id\": \"a\", \"member\": true, \"nll\": 1}\n");
        assertThatThrownBy(() -> SemEvalFiles.readMia(mia)).hasMessageContaining("non-member");
        assertThatThrownBy(() -> SemEvalFiles.readData(tmp)).hasMessageContaining("forget.jsonl");
        // a task without qa items makes the official harmonic mean NaN: refused with the reason
        List<LumeItem> onlySc = data.get(0).stream().filter(i -> i.kind() != LumeItem.Kind.QA).toList();
        assertThatThrownBy(() -> SemEvalScorer.score(onlySc, data.get(1),
                SemEvalFiles.readPredictions(TINY.resolve("predictions.jsonl")), null, null))
                .hasMessageContaining("forget split, task Task1: no qa items");
    }
}
