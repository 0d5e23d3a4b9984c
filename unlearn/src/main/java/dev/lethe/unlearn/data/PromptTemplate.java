package dev.lethe.unlearn.data;

/**
 * How a question and an answer become model text: the prompt part (not scored) and the answer part (scored).
 * {@link #PLAIN} writes "Question: ...\nAnswer:" and the answer with a leading space; {@link #RAW} puts the question
 * text directly before the answer (for raw-text records and completion data); {@link #of} builds a custom one from a
 * pattern with {question} in it.
 */
public record PromptTemplate(String name, String prefix, String suffix, String answerPrefix) {
    public static final PromptTemplate PLAIN = new PromptTemplate("plain", "Question: ", "\nAnswer:", " ");
    public static final PromptTemplate RAW = new PromptTemplate("raw", "", "", "");

    /** A template from a pattern such as "[INST] {question} [/INST]"; the answer follows after answerPrefix. */
    public static PromptTemplate of(String pattern, String answerPrefix) {
        int i = pattern.indexOf("{question}");
        if (i < 0) {
            throw new IllegalArgumentException("prompt template \"" + pattern + "\" has no {question} placeholder");
        }
        return new PromptTemplate("custom", pattern.substring(0, i), pattern.substring(i + 10), answerPrefix);
    }

    public static PromptTemplate named(String name) {
        return switch (name) {
            case "plain" -> PLAIN;
            case "raw" -> RAW;
            default -> throw new IllegalArgumentException("unknown prompt template '" + name
                    + "' (plain, raw, or a pattern with {question})");
        };
    }

    public String prompt(String question) {
        return prefix + question + suffix;
    }

    public String answer(String answer) {
        return answerPrefix + answer;
    }
}
