package dev.lethe.unlearn.data;

/** One tokenized example: prompt ids (not scored) followed by answer ids (scored). */
public record Example(int[] prompt, int[] answer) {
    public int length() {
        return prompt.length + answer.length;
    }
}
