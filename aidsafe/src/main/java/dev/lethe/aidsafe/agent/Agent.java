package dev.lethe.aidsafe.agent;

import java.util.List;

/**
 * An LLM agent: one chat completion per call. Backends: {@link HttpAgent} (any OpenAI-compatible endpoint) and
 * {@link LocalAgent} (a Lethe model in process). Failures: {@link AgentException} (this reply is unusable, e.g.
 * malformed), {@link AgentUnavailableException} (the backend cannot be reached after retries) and
 * {@link RequestBudget.ExhaustedException} (the run's request budget is spent).
 */
public interface Agent {
    /** The assistant's reply to the conversation, sampled with the role's settings. */
    String chat(List<ChatMessage> messages, RoleSettings role);
}
