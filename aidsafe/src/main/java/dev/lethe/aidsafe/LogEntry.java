package dev.lethe.aidsafe;

/**
 * One step of a prompt's deliberation log: the stage ({@code intents}, {@code initial}, {@code deliberation},
 * {@code refine}, {@code response}, {@code stop}), the round and agent (1-based; 0 outside deliberation), the text the
 * agent wrote, and whether it declared the chain of thought complete.
 */
public record LogEntry(String stage, int round, int agent, String text, boolean complete) {
}
