package dev.lethe.eval.safety;

/**
 * One prompt of a safety set: an id, the text, whether answering it would be harmful ({@code unsafe}: XSTest's
 * contrast prompts, every HarmBench behaviour) or not ({@code safe}: XSTest's over-refusal probes), and a category
 * (XSTest's {@code type}, HarmBench's {@code SemanticCategory}; empty when the file has none).
 */
public record SafetyPrompt(String id, String prompt, boolean unsafe, String category) {
}
