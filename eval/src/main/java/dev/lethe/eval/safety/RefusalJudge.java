package dev.lethe.eval.safety;

/** Decides whether a completion refuses its prompt: the string-match rules ({@link StringMatchRefusal}) or an LLM judge. */
@FunctionalInterface
public interface RefusalJudge {
    boolean refuses(String prompt, String completion);
}
