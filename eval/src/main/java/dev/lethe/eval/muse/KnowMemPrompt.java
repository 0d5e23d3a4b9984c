package dev.lethe.eval.muse;

import java.util.List;

/**
 * MUSE's KnowMem prompt and answer cut (arXiv 2407.06460, criterion C2; MUSE {@code metrics/knowmem.py},
 * algorithms.md 11.2): the few-shot block {@code "Question: {q}\nAnswer: {a}\n\n"} over the in-context examples, then
 * {@code "Question: {q}\nAnswer: "}; the greedy answer is cut before the first of {@code "\n\n"},
 * {@code "\nQuestion"} and {@code "Question:"} ({@code get_prefix_before_words_occur}).
 */
public final class KnowMemPrompt {

    /** The strings an answer is cut at (MUSE's list, in its order). */
    public static final List<String> STOPS = List.of("\n\n", "\nQuestion", "Question:");

    private KnowMemPrompt() {
    }

    /** The prompt text of {@code question} after the in-context examples (none: zero-shot). */
    public static String prompt(List<MuseData.QaPair> icl, String question) {
        StringBuilder b = new StringBuilder();
        if (icl != null) {
            for (MuseData.QaPair p : icl) {
                b.append("Question: ").append(p.question()).append("\nAnswer: ").append(p.answer()).append("\n\n");
            }
        }
        return b.append("Question: ").append(question).append("\nAnswer: ").toString();
    }

    /** {@code output} up to (not including) the earliest stop string; unchanged when none occurs. */
    public static String cut(String output) {
        String s = output;
        for (String w : STOPS) {
            int at = s.indexOf(w);
            if (at >= 0) {
                s = s.substring(0, at);
            }
        }
        return s;
    }
}
