package dev.lethe.aidsafe;

import dev.lethe.aidsafe.agent.Agent;
import dev.lethe.aidsafe.agent.AgentException;
import dev.lethe.aidsafe.agent.ChatMessage;
import dev.lethe.aidsafe.agent.RoleSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * AIDSAFE (arXiv 2505.21784; algorithms.md 8.1-8.2, from the abstract, blog and dataset): policy-embedded
 * chain-of-thought data from agents.
 * (1) intent decomposition; (2) an initial chain of thought from the query and intents; (3) deliberation: N agents in
 * turn review and extend the chain of thought against the policies for at most R rounds; (4) a refiner removes
 * repeated, redundant, deceptive and policy-inconsistent thoughts; then a responder answers from the refined thoughts.
 * Belief augmentation (the paper's supplemental DPO recipe) writes the rejected side of a DPO pair: a chain of thought under an injected false or
 * adversarial belief, and its response.
 *
 * <p>Choices where the paper is silent: an agent declares the chain of thought complete by replying with the line
 * {@value #COMPLETE} and nothing else; any other text is new thoughts, appended. Deliberation stops on agreement, when
 * N turns in a row (every agent once) declare it complete with no change in between, or when the R-round budget is
 * spent. The rejected chain of thought skips deliberation and refinement (one agent, the belief in its prompt); the
 * belief is picked per prompt from the belief list by the prompt's hash and the seed. A blank reply at any stage is
 * malformed and fails the prompt.
 */
public final class AidsafePipeline {
    /** The line with which a deliberation agent declares the chain of thought complete. */
    public static final String COMPLETE = "DELIBERATION COMPLETE";

    /** Agents count, round budget, per-role sampling, policies, templates and beliefs. */
    public record Config(int agents, int rounds, Map<Role, RoleSettings> roles, Policies policies, Templates templates,
                         List<String> beliefs, long seed) {
        public Config {
            if (agents < 1) {
                throw new IllegalArgumentException("agents count must be >= 1, got " + agents);
            }
            if (rounds < 1) {
                throw new IllegalArgumentException("rounds must be >= 1, got " + rounds);
            }
            roles = Map.copyOf(roles);
            for (Role r : Role.values()) {
                if (!roles.containsKey(r)) {
                    throw new IllegalArgumentException("no settings for agent role " + r);
                }
            }
            beliefs = List.copyOf(beliefs);
            if (beliefs.isEmpty()) {
                throw new IllegalArgumentException("belief augmentation needs at least one belief");
            }
        }

        /**
         * 3 agents, 3 rounds, the default policies, templates and beliefs; every role on {@code model}, with
         * temperature 0.7 for the agents that propose thoughts (initial, deliberators, belief) and 0 (greedy) for
         * intents, refiner and responder; replies of at most {@code maxTokens} tokens.
         */
        public static Config defaults(String model, int maxTokens, long seed) {
            Map<Role, RoleSettings> roles = new EnumMap<>(Role.class);
            for (Role r : Role.values()) {
                double t = r == Role.INITIAL || r == Role.DELIBERATOR || r == Role.BELIEF ? 0.7 : 0.0;
                roles.put(r, new RoleSettings(model, t, seed + 100L * r.ordinal(), maxTokens));
            }
            return new Config(3, 3, roles, Policies.defaults(), Templates.defaults(), defaultBeliefs(), seed);
        }

        public Config withAgents(int n, int r) {
            return new Config(n, r, roles, policies, templates, beliefs, seed);
        }

        public Config withPolicies(Policies p) {
            return new Config(agents, rounds, roles, p, templates, beliefs, seed);
        }

        public Config withTemplates(Templates t) {
            return new Config(agents, rounds, roles, policies, t, beliefs, seed);
        }

        public Config withRole(Role r, RoleSettings s) {
            Map<Role, RoleSettings> m = new EnumMap<>(roles);
            m.put(r, s);
            return new Config(agents, rounds, m, policies, templates, beliefs, seed);
        }
    }

    /** The beliefs Lethe ships ({@code beliefs.txt}). */
    public static List<String> defaultBeliefs() {
        try (InputStream in = AidsafePipeline.class.getResourceAsStream("beliefs.txt")) {
            return Policies.lines(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("beliefs.txt is missing from the aidsafe jar", e);
        }
    }

    private final Agent agent;
    private final Config config;

    public AidsafePipeline(Agent agent, Config config) {
        this.agent = agent;
        this.config = config;
    }

    public Config config() {
        return config;
    }

    /** Runs every stage on one prompt. */
    public AidsafeRow run(String query) {
        List<LogEntry> log = new ArrayList<>();
        Map<String, String> v = new LinkedHashMap<>();
        v.put("query", query);
        v.put("policies", config.policies().numbered());
        String intents = ask(Role.INTENTS, config.roles().get(Role.INTENTS), "intents", v);
        log.add(new LogEntry("intents", 0, 0, intents, false));
        v.put("intents", intents);
        String thoughts = ask(Role.INITIAL, config.roles().get(Role.INITIAL), "initial", v);
        log.add(new LogEntry("initial", 0, 0, thoughts, false));

        int n = config.agents();
        int agreeing = 0;
        int rounds = 0;
        String stop = "round_budget";
        deliberation:
        for (int round = 1; round <= config.rounds(); round++) {
            rounds = round;
            for (int a = 1; a <= n; a++) {
                Map<String, String> dv = new LinkedHashMap<>(v);
                dv.put("thoughts", thoughts);
                dv.put("agent", String.valueOf(a));
                dv.put("agents", String.valueOf(n));
                dv.put("round", String.valueOf(round));
                dv.put("marker", COMPLETE);
                RoleSettings rs = config.roles().get(Role.DELIBERATOR);
                String reply = ask(Role.DELIBERATOR, rs.withSeed(rs.seed() + a + 7919L * round), "deliberate", dv);
                Turn t = Turn.parse(reply);
                log.add(new LogEntry("deliberation", round, a, t.added(), t.complete()));
                if (!t.added().isEmpty()) {
                    thoughts = thoughts + "\n" + t.added();
                    agreeing = 0;
                } else {
                    agreeing++;
                }
                if (agreeing == n) {
                    stop = "agreement";
                    break deliberation;
                }
            }
        }
        log.add(new LogEntry("stop", rounds, 0, stop, stop.equals("agreement")));

        Map<String, String> rv = new LinkedHashMap<>(v);
        rv.put("thoughts", thoughts);
        String refined = ask(Role.REFINER, config.roles().get(Role.REFINER), "refine", rv);
        log.add(new LogEntry("refine", 0, 0, refined, false));
        String response = respond(query, refined);
        log.add(new LogEntry("response", 0, 0, response, false));

        String belief = config.beliefs().get(Math.floorMod(query.hashCode() + config.seed(), config.beliefs().size()));
        Map<String, String> bv = new LinkedHashMap<>(v);
        bv.put("belief", belief);
        String rejected = ask(Role.BELIEF, config.roles().get(Role.BELIEF), "belief", bv);
        String rejectedResponse = respond(query, rejected);
        return new AidsafeRow(query, intents, refined, response, log, stop, rounds, belief, rejected, rejectedResponse);
    }

    private String respond(String query, String thoughts) {
        return ask(Role.RESPONDER, config.roles().get(Role.RESPONDER), "respond", Map.of("query", query, "thoughts",
                thoughts));
    }

    private String ask(Role role, RoleSettings rs, String template, Map<String, String> values) {
        String prompt = config.templates().fill(template, values);
        String reply = agent.chat(List.of(ChatMessage.user(prompt)), rs);
        if (reply == null || reply.isBlank()) {
            throw new AgentException(role.name().toLowerCase(Locale.ROOT) + " agent (template " + template
                    + "): malformed reply, no text");
        }
        return reply.strip();
    }

    /** A deliberation reply: whether it declares completion, and the thoughts it adds (marker lines removed). */
    record Turn(boolean complete, String added) {
        static Turn parse(String reply) {
            boolean complete = false;
            StringBuilder added = new StringBuilder();
            for (String line : reply.split("\\R")) {
                String bare = line.strip().replaceAll("^[\\[*_\"'`]+|[\\]*_\"'`.!]+$", "");
                if (bare.equalsIgnoreCase(COMPLETE)) {
                    complete = true;
                } else if (!line.isBlank()) {
                    added.append(line.strip()).append('\n');
                }
            }
            return new Turn(complete, added.toString().strip());
        }
    }
}
