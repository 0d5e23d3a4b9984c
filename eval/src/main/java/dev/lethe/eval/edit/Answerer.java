package dev.lethe.eval.edit;

/** What the editing metrics ask of a model: would greedy decoding answer, and how likely is an answer. */
public interface Answerer {
    /** Whether greedy decoding after {@code prompt} produces " " + {@code answer}. */
    boolean predicts(String prompt, String answer);

    /** Mean per-token negative log-likelihood of " " + {@code answer} after {@code prompt}. */
    double meanNll(String prompt, String answer);
}
