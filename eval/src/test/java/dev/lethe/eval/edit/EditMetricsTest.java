package dev.lethe.eval.edit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** MQuAKE and CounterFact scores on hand-made records with a table of answers; expected values counted by hand. */
class EditMetricsTest {
    static final ObjectMapper JSON = new ObjectMapper();

    /** Predicts exactly the (prompt, answer) pairs listed; NLLs from a table (else 10). */
    record Table(Set<String> predicted, Map<String, Double> nll) implements Answerer {
        @Override
        public boolean predicts(String prompt, String answer) {
            return predicted.contains(prompt + "|" + answer);
        }

        @Override
        public double meanNll(String prompt, String answer) {
            return nll.getOrDefault(prompt + "|" + answer, 10.0);
        }
    }

    static List<JsonNode> records(String json) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        JSON.readTree(json.replace('\'', '"')).forEach(out::add);
        return out;
    }

    static final String MQUAKE = "[{'requested_rewrite': [{'prompt': '{} was performed by', 'subject': 'Hey Jude',"
            + " 'target_new': {'str': 'Madonna'}}, {'prompt': '{} is a citizen of', 'subject': 'Madonna',"
            + " 'target_new': {'str': 'Italy'}}],"
            + " 'questions': ['Q1a?', 'Q1b?', 'Q1c?'], 'answer': 'UK', 'answer_alias': [], 'new_answer': 'Italy',"
            + " 'new_answer_alias': ['Italia'],"
            + " 'single_hops': [{'cloze': 'Hey Jude was performed by', 'answer': 'The Beatles', 'answer_alias': []},"
            + "   {'cloze': 'The Beatles are citizens of', 'answer': 'UK', 'answer_alias': []}],"
            + " 'new_single_hops': [{'cloze': 'Hey Jude was performed by', 'answer': 'Madonna', 'answer_alias': []},"
            + "   {'cloze': 'Madonna is a citizen of', 'answer': 'Italy', 'answer_alias': ['Italia']}]},"
            + " {'requested_rewrite': [{'prompt': 'The capital of {} is', 'subject': 'Norway',"
            + " 'target_new': {'str': 'Rome'}}],"
            + " 'questions': ['Q2a?', 'Q2b?', 'Q2c?'], 'answer': 'Oslo', 'answer_alias': [], 'new_answer': 'Rome',"
            + " 'new_answer_alias': [],"
            + " 'single_hops': [{'cloze': 'The capital of Norway is', 'answer': 'Oslo', 'answer_alias': []}],"
            + " 'new_single_hops': [{'cloze': 'The capital of Norway is', 'answer': 'Rome', 'answer_alias': []}]}]";

    @Test
    void mquakeScoresCountedByHand() throws Exception {
        Table t = new Table(Set.of(
                "Hey Jude was performed by|Madonna",      // edit 1 holds; new hop 1 of record 1
                "Madonna is a citizen of|Italia",         // new hop 2 of record 1 by alias; edit 2 wants 'Italy': fails
                "Q1b?|Italia",                            // record 1 multi-hop right (alias, second question)
                "The capital of Norway is|Oslo",          // record 2: edit failed, original kept
                "Q2a?|Oslo"), Map.of());                  // record 2 multi-hop: original answer
        MquakeMetrics m = MquakeMetrics.of(t, records(MQUAKE));
        assertThat(m.records()).isEqualTo(2);
        assertThat(m.editWise()).isCloseTo(1.0 / 3, within(1e-12));      // 1 of 3 rewrites
        assertThat(m.multiHop()).isCloseTo(0.5, within(1e-12));          // record 1 only
        assertThat(m.hopWise()).isCloseTo(2.0 / 3, within(1e-12));       // 2 of 3 new hops
        assertThat(m.instanceWise()).isCloseTo(0.5, within(1e-12));      // record 1 has all its new hops
        assertThat(m.multiHopOriginal()).isCloseTo(0.5, within(1e-12));  // record 2 answers Oslo
        assertThat(m.hopWiseOriginal()).isCloseTo(1.0 / 3, within(1e-12));
        assertThat(m.instanceWiseOriginal()).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void counterFactScoresCountedByHand() throws Exception {
        String cf = "[{'requested_rewrite': {'prompt': '{} plays', 'subject': 'Messi', 'target_new': {'str': 'tennis'},"
                + " 'target_true': {'str': 'football'}}, 'paraphrase_prompts': ['P1', 'P2'],"
                + " 'neighborhood_prompts': ['N1', 'N2', 'N3']}]";
        Table t = new Table(Set.of(), Map.of(
                "Messi plays|tennis", 1.0, "Messi plays|football", 2.0,   // efficacy: new wins
                "P1|tennis", 3.0, "P1|football", 2.0,                     // paraphrase 1: true wins
                "P2|tennis", 1.0, "P2|football", 1.5,                     // paraphrase 2: new wins
                "N1|tennis", 1.0, "N1|football", 4.0));                   // neighbour 1 flipped; N2, N3 tie (not new)
        CounterFactMetrics m = CounterFactMetrics.of(t, records(cf));
        assertThat(m.efficacy()).isEqualTo(1.0);
        assertThat(m.paraphrase()).isCloseTo(0.5, within(1e-12));
        assertThat(m.neighbourhood()).isCloseTo(2.0 / 3, within(1e-12));
    }
}
