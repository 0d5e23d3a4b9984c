package dev.lethe.aidsafe.agent;

/** The backend could not be reached or kept failing after every retry; the run stops (finished rows are kept). */
public class AgentUnavailableException extends AgentException {
    private static final long serialVersionUID = 1L;

    public AgentUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
