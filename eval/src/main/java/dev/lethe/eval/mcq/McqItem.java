package dev.lethe.eval.mcq;

import java.io.Serializable;
import java.util.List;

/**
 * One four-option multiple-choice question: {@code answer} is the 0-based index of the correct choice; {@code subject}
 * (e.g. "abstract_algebra", or null) names the prompt's description line.
 */
public record McqItem(String subject, String question, List<String> choices, int answer) implements Serializable {

    /** The option letters. */
    public static final List<String> LETTERS = List.of("A", "B", "C", "D");

    public McqItem {
        if (question == null || choices == null || choices.size() != 4) {
            throw new IllegalArgumentException("a multiple-choice item needs a question and exactly 4 choices");
        }
        if (answer < 0 || answer > 3) {
            throw new IllegalArgumentException("answer index must be 0..3 (0-based), got " + answer);
        }
        choices = List.copyOf(choices);
    }
}
