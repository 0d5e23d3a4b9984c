package dev.lethe.aidsafe.agent;

/**
 * How one agent role samples: the model name sent to the endpoint (ignored by the in-process backend, which has one
 * model), the temperature (0: greedy), the seed and the longest reply in tokens.
 */
public record RoleSettings(String model, double temperature, long seed, int maxTokens) {
    public RoleSettings {
        if (temperature < 0) {
            throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        }
        if (maxTokens < 1) {
            throw new IllegalArgumentException("max tokens must be >= 1, got " + maxTokens);
        }
    }

    public RoleSettings withSeed(long s) {
        return new RoleSettings(model, temperature, s, maxTokens);
    }
}
