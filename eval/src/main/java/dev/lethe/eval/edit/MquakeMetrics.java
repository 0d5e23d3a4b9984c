package dev.lethe.eval.edit;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * MQuAKE's scores (arXiv 2305.14795, section 4) for a model after (or before) the records' edits, by greedy answers
 * (see {@link AnswerScores}; a prompt is the cloze or the question followed by the answer):
 * <ul>
 *   <li>edit-wise success: share of requested rewrites whose prompt gives target_new;</li>
 *   <li>multi-hop accuracy: share of records where at least one of the 3 questions gives new_answer or an alias;</li>
 *   <li>hop-wise accuracy: share of new_single_hops clozes answered (answer or alias);</li>
 *   <li>instance-wise accuracy: share of records whose new_single_hops are all answered.</li>
 * </ul>
 * The same on the original facts (answer, single_hops) measures what an unedited model knows.
 */
public record MquakeMetrics(int records, double editWise, double multiHop, double hopWise, double instanceWise,
                            double multiHopOriginal, double hopWiseOriginal, double instanceWiseOriginal) {

    public static MquakeMetrics of(Answerer scores, List<JsonNode> records) {
        int edits = 0;
        int editOk = 0;
        int[] multi = new int[2];
        int[] hops = new int[2];
        int[] hopCount = new int[2];
        int[] instance = new int[2];
        for (JsonNode r : records) {
            for (JsonNode rw : r.get("requested_rewrite")) {
                edits++;
                String prompt = rw.get("prompt").asText().replace("{}", rw.get("subject").asText());
                editOk += scores.predicts(prompt, rw.get("target_new").get("str").asText()) ? 1 : 0;
            }
            String[][] keys = {{"new_answer", "new_answer_alias", "new_single_hops"},
                {"answer", "answer_alias", "single_hops"}};
            for (int k = 0; k < 2; k++) {
                List<String> answers = answers(r, keys[k][0], keys[k][1]);
                boolean any = false;
                for (JsonNode q : r.get("questions")) {
                    any |= answersAny(scores, q.asText(), answers);
                }
                multi[k] += any ? 1 : 0;
                boolean all = true;
                for (JsonNode hop : r.get(keys[k][2])) {
                    boolean ok = answersAny(scores, hop.get("cloze").asText(), answers(hop, "answer", "answer_alias"));
                    hops[k] += ok ? 1 : 0;
                    hopCount[k]++;
                    all &= ok;
                }
                instance[k] += all ? 1 : 0;
            }
        }
        double n = records.size();
        return new MquakeMetrics(records.size(), (double) editOk / edits, multi[0] / n, (double) hops[0] / hopCount[0],
                instance[0] / n, multi[1] / n, (double) hops[1] / hopCount[1], instance[1] / n);
    }

    private static List<String> answers(JsonNode n, String main, String alias) {
        List<String> out = new ArrayList<>();
        out.add(n.get(main).asText());
        n.path(alias).forEach(a -> out.add(a.asText()));
        return out;
    }

    private static boolean answersAny(Answerer s, String prompt, List<String> answers) {
        for (String a : answers) {
            if (s.predicts(prompt, a)) {
                return true;
            }
        }
        return false;
    }
}
