package dev.lethe.aidsafe;

import dev.lethe.aidsafe.agent.Agent;
import dev.lethe.aidsafe.agent.ChatMessage;
import dev.lethe.aidsafe.agent.RoleSettings;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * A deterministic test agent: each role (recognised by the model name {@link #config} gives it) answers with a
 * scripted function of (call number of that role, prompt text). Every call is recorded.
 */
final class ScriptedAgent implements Agent {
    record Call(Role role, String prompt, RoleSettings settings) {
    }

    final List<Call> calls = new ArrayList<>();
    private final Map<Role, BiFunction<Integer, String, String>> script = new EnumMap<>(Role.class);
    private final Map<Role, Integer> counts = new EnumMap<>(Role.class);

    ScriptedAgent() {
        for (Role r : Role.values()) {
            script.put(r, (n, p) -> r.name().toLowerCase() + " " + n);
        }
    }

    ScriptedAgent on(Role r, BiFunction<Integer, String, String> reply) {
        script.put(r, reply);
        return this;
    }

    /** The default config with each role's model named after the role (so the agent can tell them apart). */
    static AidsafePipeline.Config config(int agents, int rounds) {
        AidsafePipeline.Config c = AidsafePipeline.Config.defaults("m", 16, 0).withAgents(agents, rounds);
        for (Role r : Role.values()) {
            RoleSettings s = c.roles().get(r);
            c = c.withRole(r, new RoleSettings(r.name(), s.temperature(), s.seed(), s.maxTokens()));
        }
        return c;
    }

    List<Call> calls(Role r) {
        return calls.stream().filter(c -> c.role() == r).toList();
    }

    @Override
    public String chat(List<ChatMessage> messages, RoleSettings role) {
        Role r = Role.valueOf(role.model());
        String prompt = messages.get(messages.size() - 1).content();
        calls.add(new Call(r, prompt, role));
        int n = counts.merge(r, 1, Integer::sum);
        return script.get(r).apply(n, prompt);
    }
}
