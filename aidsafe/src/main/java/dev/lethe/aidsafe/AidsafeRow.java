package dev.lethe.aidsafe;

import java.util.List;

/**
 * What the pipeline makes of one prompt: the AIDSAFE dataset's columns ({@code prompt}, {@code refined_thoughts},
 * {@code response}, {@code deliberation_log}), how deliberation stopped ({@code agreement} or {@code round_budget})
 * after how many rounds, and the belief-augmented rejected side: the injected belief, the chain of thought written
 * under it and the response that follows from it.
 */
public record AidsafeRow(String prompt, String intents, String refinedThoughts, String response,
                         List<LogEntry> deliberationLog, String stopReason, int rounds, String belief,
                         String rejectedThoughts, String rejectedResponse) {
    public AidsafeRow {
        deliberationLog = List.copyOf(deliberationLog);
    }
}
