package dev.lethe.eval.edit;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * CounterFact-style scores (ROME, arXiv 2202.05262, section 3.2), comparing the mean per-token NLL of the new and the
 * true object: efficacy = share of rewrite prompts where the new object is likelier; paraphrase = the same over
 * paraphrase_prompts; neighbourhood (specificity) = share of neighborhood_prompts where the true object stays likelier.
 */
public record CounterFactMetrics(int records, double efficacy, double paraphrase, double neighbourhood) {

    public static CounterFactMetrics of(Answerer scores, List<JsonNode> records) {
        int[] eff = new int[2];
        int[] para = new int[2];
        int[] nb = new int[2];
        for (JsonNode r : records) {
            JsonNode rw = r.get("requested_rewrite");
            String subject = rw.get("subject").asText();
            String tNew = target(rw.get("target_new"));
            String tTrue = target(rw.get("target_true"));
            count(eff, newWins(scores, rw.get("prompt").asText().replace("{}", subject), tNew, tTrue));
            r.path("paraphrase_prompts").forEach(p -> count(para, newWins(scores, p.asText(), tNew, tTrue)));
            r.path("neighborhood_prompts").forEach(p -> count(nb, !newWins(scores, p.asText(), tNew, tTrue)));
        }
        return new CounterFactMetrics(records.size(), share(eff), share(para), share(nb));
    }

    private static String target(JsonNode n) {
        return n.isObject() ? n.get("str").asText() : n.asText();
    }

    private static boolean newWins(Answerer s, String prompt, String tNew, String tTrue) {
        return s.meanNll(prompt, tNew) < s.meanNll(prompt, tTrue);
    }

    private static void count(int[] c, boolean ok) {
        c[0] += ok ? 1 : 0;
        c[1]++;
    }

    private static double share(int[] c) {
        return c[1] == 0 ? Double.NaN : (double) c[0] / c[1];
    }
}
