package dev.lethe.examples.edit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.eval.edit.MquakeMetrics;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import dev.lethe.unlearn.edit.EditFiles;
import dev.lethe.unlearn.job.FinetuneJob;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MquakeStudyTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The first two MQuAKE-hard records, rendered by hand from their orig.triples_labeled and cloze_templates.json. */
    @Test
    void theFirstTwoRecordsBecomeTheirEightFactSentences() throws Exception {
        List<JsonNode> records = new ArrayList<>();
        JSON.readTree(SharedFiles.path("data/mquake/MQuAKE-hard.json").toFile()).forEach(records::add);
        Map<String, String> templates = EditFiles.clozeTemplates(
                SharedFiles.path("data/mquake/prompts/templates/cloze_templates.json"));

        assertThat(MquakeStudy.sentences(records.subList(0, 2), templates)).containsExactly(
                "Hey Jude was performed by The Beatles.",
                "The director of The Beatles is Brian Epstein.",
                "Brian Epstein is a citizen of United Kingdom.",
                "The official language of United Kingdom is English.",
                "The origianl broadcaster of Grey's Anatomy is American Broadcasting Company.",
                "The director of American Broadcasting Company is Bob Iger.",
                "Bob Iger is a citizen of United States of America.",
                "The capital of United States of America is Washington, D.C.");
    }

    @Test
    void aSingleHopWordedUnlikeTheTemplateIsKeptAndRepeatsAreDropped() throws Exception {
        JsonNode rec = JSON.readTree("{\"case_id\": 1, \"orig\": {\"triples\": [[\"Q1\", \"P175\", \"Q2\"],"
                + " [\"Q1\", \"P175\", \"Q2\"]], \"triples_labeled\": [[\"Song\", \"performer\", \"Band\"],"
                + " [\"Song\", \"performer\", \"Band\"]]}, \"single_hops\": [{\"cloze\": \"Song is sung by\","
                + " \"answer\": \"Band\"}, {\"cloze\": \"Song was performed by \", \"answer\": \"Band\"}]}");

        assertThat(MquakeStudy.sentences(List.of(rec), Map.of("P175", "{} was performed by")))
                .containsExactly("Song was performed by Band.", "Song is sung by Band.");
        assertThatThrownBy(() -> MquakeStudy.sentences(List.of(rec), Map.of("P50", "The author of {} is")))
                .hasMessage("case 1: relation P175 has no cloze template; add it to cloze_templates.json");
    }

    /** The study's max_length holds every MQuAKE-hard sentence (BOS + text + EOS); the old 40 cut some, loudly. */
    @Test
    void everyWorldSentenceFitsTheStudyMaxLengthAndACutOneFails() throws Exception {
        List<JsonNode> records = new ArrayList<>();
        JSON.readTree(SharedFiles.path("data/mquake/MQuAKE-hard.json").toFile()).forEach(records::add);
        List<String> sentences = MquakeStudy.sentences(records, EditFiles.clozeTemplates(
                SharedFiles.path("data/mquake/prompts/templates/cloze_templates.json")));
        Path demo = Path.of("..", "demo", "models", "target", "tokenizer.json");
        try (Tokenizer tok = Tokenizers.load(demo)) {
            int maxLength = FinetuneJob.defaults().with(MquakeStudy.Setup.defaults().training()).integer("max_length");
            MquakeStudy.checkNoneCut(tok, sentences, maxLength);
            assertThatThrownBy(() -> MquakeStudy.checkNoneCut(tok, sentences, 40))
                    .hasMessageStartingWith("world-model sentence '")
                    .hasMessageContaining("more than max_length=40: raise max_length")
                    .hasMessageNotContaining("\n");
        }
    }

    /** One table row per run, its cells in the header's order (numbers made up, the format is what is checked). */
    @Test
    void theTableHasOneRowPerRunWithItsCellsInHeaderOrder() {
        MquakeMetrics m = new MquakeMetrics(25, 0.03, 0.0, 0.04, 0.0, 0.0, 0.96, 0.84);
        MquakeStudy.Outcome o = new MquakeStudy.Outcome(505, 1.0, 505, 0, List.of(
                new MquakeStudy.Row("none", 0, 0, m, 1.234, Double.NaN, 0, 0),
                new MquakeStudy.Row("memit", 10, 100, m, 1.5, 5.107, 3.3, 428.7)));

        String table = MquakeStudy.table(o, 25);

        assertThat(table).contains(
                "| none | - | 25 | 0 | 0.030 | 0.000 | 0.040 | 0.000 | 0.000 | 1.234 | - | 0.0 | 0.0 | - |\n",
                "| memit | 10 | 25 | 100 | 0.030 | 0.000 | 0.040 | 0.000 | 0.000 | 1.500 | 5.107 | 3.3 | 428.7"
                        + " | 4.29 |\n");
        String header = table.lines().filter(l -> l.startsWith("| method")).findFirst().orElseThrow();
        assertThat(header.split("\\|")).hasSize(15);
    }
}
