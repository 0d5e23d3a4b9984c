package dev.lethe.unlearn.data;

/**
 * One tokenized example: prompt ids (not scored) followed by answer ids (scored). {@code answerScored} optionally
 * restricts the scored answer tokens (Selective Unlearning's masks); null means every answer token is scored.
 */
public record Example(int[] prompt, int[] answer, boolean[] answerScored) {
    public Example(int[] prompt, int[] answer) {
        this(prompt, answer, null);
    }

    public int length() {
        return prompt.length + answer.length;
    }

    /** Every id of the example: the prompt's, then the answer's. */
    public int[] ids() {
        int[] all = java.util.Arrays.copyOf(prompt, length());
        System.arraycopy(answer, 0, all, prompt.length, answer.length);
        return all;
    }

    /** The same example with only the given answer tokens scored. */
    public Example withScored(boolean[] scored) {
        if (scored.length != answer.length) {
            throw new IllegalArgumentException(scored.length + " flags for " + answer.length + " answer tokens");
        }
        return new Example(prompt, answer, scored.clone());
    }
}
