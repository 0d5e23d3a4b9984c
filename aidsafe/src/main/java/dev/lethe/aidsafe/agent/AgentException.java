package dev.lethe.aidsafe.agent;

/** An agent reply that cannot be used (malformed, empty, refused by the endpoint); the prompt in flight fails. */
public class AgentException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public AgentException(String message) {
        super(message);
    }

    public AgentException(String message, Throwable cause) {
        super(message, cause);
    }
}
