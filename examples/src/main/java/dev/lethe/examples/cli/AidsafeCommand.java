package dev.lethe.examples.cli;

import dev.lethe.aidsafe.AidsafeDataset;
import dev.lethe.aidsafe.AidsafePipeline;
import dev.lethe.aidsafe.Policies;
import dev.lethe.aidsafe.PreferencePairs;
import dev.lethe.aidsafe.Role;
import dev.lethe.aidsafe.Templates;
import dev.lethe.aidsafe.agent.Agent;
import dev.lethe.aidsafe.agent.HttpAgent;
import dev.lethe.aidsafe.agent.LocalAgent;
import dev.lethe.aidsafe.agent.RequestBudget;
import dev.lethe.aidsafe.agent.RoleSettings;
import dev.lethe.eval.safety.SafetyPrompt;
import dev.lethe.eval.safety.SafetyPrompts;
import dev.lethe.transformer.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lethe aidsafe generate|pairs}: AIDSAFE data generation ({@link AidsafePipeline}, {@link AidsafeDataset}) and
 * DPO/SFT records from it ({@link PreferencePairs}). Train on them with {@code lethe finetune --data sft.jsonl} and
 * {@code lethe dpo --data pairs.jsonl}.
 */
@Command(name = "aidsafe", mixinStandardHelpOptions = true,
        description = "AIDSAFE: multi-agent deliberation writes policy-embedded chain-of-thought data and DPO pairs.",
        subcommands = {AidsafeCommand.Generate.class, AidsafeCommand.Pairs.class})
public final class AidsafeCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    /** {@code lethe aidsafe generate}. */
    @Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Run intent decomposition, deliberation, refinement and belief augmentation on prompts;"
                    + " resumable (a rerun skips finished prompts).")
    public static final class Generate implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--prompts", required = true, paramLabel = "FILE", description = "Prompts: CSV with a prompt"
                + " column (XSTest) or Behavior column (HarmBench), or JSON lines {\"prompt\": ...}.")
        Path prompts;

        @Option(names = "--policies", paramLabel = "FILE", description = "Safety policies, one per line (default:"
                + " Lethe's built-in set).")
        Path policies;

        @Option(names = "--agents", required = true, paramLabel = "SPEC", description = "local:DIR (a Lethe model in"
                + " process) or http://HOST:PORT/v1 (an OpenAI-compatible endpoint).")
        String agents;

        @Option(names = "--agent-model", defaultValue = "default", paramLabel = "NAME",
                description = "Model name sent to the endpoint for every role (default 'default').")
        String agentModel;

        @Option(names = "--role", paramLabel = "ROLE.KEY=VALUE", description = "Per-role setting (repeatable): ROLE in"
                + " intents, initial, deliberator, refiner, responder, belief; KEY in model, temperature, seed,"
                + " max_tokens. E.g. --role refiner.temperature=0.")
        List<String> roleSets = new ArrayList<>();

        @Option(names = "--rounds", defaultValue = "3", paramLabel = "R", description = "Deliberation round budget"
                + " (default 3).")
        int rounds;

        @Option(names = "--agents-count", defaultValue = "3", paramLabel = "N", description = "Deliberation agents"
                + " (default 3).")
        int agentsCount;

        @Option(names = "--max-tokens", defaultValue = "256", paramLabel = "N", description = "Longest reply per"
                + " request (default 256).")
        int maxTokens;

        @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Base seed (default 0).")
        long seed;

        @Option(names = "--templates", paramLabel = "DIR", description = "Folder of prompt templates replacing the"
                + " built-in ones (intents.txt, initial.txt, deliberate.txt, refine.txt, respond.txt, belief.txt).")
        Path templates;

        @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "First N prompts only (0: all).")
        int limit;

        @Option(names = "--request-budget", defaultValue = "0", paramLabel = "N", description = "Most requests this"
                + " run sends, retries included (0: no cap).")
        long budget;

        @Option(names = "--timeout", defaultValue = "120", paramLabel = "SECONDS", description = "HTTP timeout per"
                + " request (default 120).")
        int timeoutSeconds;

        @Option(names = "--retries", defaultValue = "3", paramLabel = "N", description = "HTTP retries with"
                + " exponential backoff from 1 s (default 3).")
        int retries;

        @Option(names = "--api-key-env", paramLabel = "VAR", description = "Environment variable holding the"
                + " endpoint's API key (sent as a bearer token).")
        String apiKeyEnv;

        @Option(names = "--tokenizer", paramLabel = "PATH", description = "local: tokenizer (default: the model"
                + " folder's).")
        Path tokenizer;

        @Option(names = "--csv", description = "Also write rows.csv.")
        boolean csv;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder (rerun to resume).")
        Path out;

        @Override
        public Integer call() throws IOException {
            AidsafePipeline.Config cfg = AidsafePipeline.Config.defaults(agentModel, maxTokens, seed)
                    .withAgents(agentsCount, rounds)
                    .withPolicies(policies == null ? Policies.defaults() : Policies.read(policies))
                    .withTemplates(Templates.load(templates));
            for (String s : roleSets) {
                cfg = applyRole(cfg, s);
            }
            List<String> texts = new ArrayList<>();
            for (SafetyPrompt p : SafetyPrompts.read(prompts, limit)) {
                texts.add(p.prompt());
            }
            RequestBudget rb = new RequestBudget(budget);
            PrintWriter o = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            AidsafeDataset.Summary s;
            if (agents.startsWith("local:")) {
                Path dir = Path.of(agents.substring("local:".length()));
                try (Tokenizer tok = UnlearnCommandSupport.loadTokenizer(tokenizer, dir)) {
                    Agent a = new LocalAgent(UnlearnCommandSupport.loadModel(dir, "--agents local:"), tok, rb);
                    s = AidsafeDataset.generate(new AidsafePipeline(a, cfg), texts, out, csv, err::println);
                }
            } else if (agents.startsWith("http://") || agents.startsWith("https://")) {
                String key = apiKeyEnv == null ? null : System.getenv(apiKeyEnv);
                Agent a = new HttpAgent(agents, Duration.ofSeconds(timeoutSeconds), retries, Duration.ofSeconds(1), rb,
                        key);
                s = AidsafeDataset.generate(new AidsafePipeline(a, cfg), texts, out, csv, err::println);
            } else {
                throw new CommandLine.ParameterException(spec.commandLine(), "--agents must be local:DIR or"
                        + " http://HOST:PORT/v1, got '" + agents + "'");
            }
            o.printf("%d prompts: %d written, %d already done, %d failed (see failures.jsonl); %d requests%n",
                    s.prompts(), s.written(), s.skipped(), s.failed(), rb.used());
            if (s.stopped() != null) {
                o.println("stopped early: " + s.stopped());
            }
            o.println("wrote " + out.toAbsolutePath());
            o.flush();
            return 0;
        }

        static AidsafePipeline.Config applyRole(AidsafePipeline.Config cfg, String assignment) {
            int eq = assignment.indexOf('=');
            int dot = assignment.indexOf('.');
            if (eq < 0 || dot < 0 || dot > eq) {
                throw new IllegalArgumentException("--role takes ROLE.KEY=VALUE (e.g. refiner.temperature=0), got '"
                        + assignment + "'");
            }
            Role role;
            try {
                role = Role.valueOf(assignment.substring(0, dot).toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--role " + assignment + ": unknown role; roles are intents, initial,"
                        + " deliberator, refiner, responder, belief", e);
            }
            String key = assignment.substring(dot + 1, eq);
            String v = assignment.substring(eq + 1);
            RoleSettings r = cfg.roles().get(role);
            try {
                r = switch (key) {
                    case "model" -> new RoleSettings(v, r.temperature(), r.seed(), r.maxTokens());
                    case "temperature" -> new RoleSettings(r.model(), Double.parseDouble(v), r.seed(), r.maxTokens());
                    case "seed" -> r.withSeed(Long.parseLong(v));
                    case "max_tokens" -> new RoleSettings(r.model(), r.temperature(), r.seed(), Integer.parseInt(v));
                    default -> throw new IllegalArgumentException("--role " + assignment + ": unknown key '" + key
                            + "'; keys are model, temperature, seed, max_tokens");
                };
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--role " + assignment + ": '" + v + "' is not a number", e);
            }
            return cfg.withRole(role, r);
        }
    }

    /** {@code lethe aidsafe pairs}. */
    @Command(name = "pairs", mixinStandardHelpOptions = true, sortOptions = false,
            description = "DPO pairs (prompt, chosen, rejected) and SFT records from a generated folder.")
    public static final class Pairs implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--in", required = true, paramLabel = "DIR", description = "Folder written by generate.")
        Path in;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "DPO pairs, JSON lines.")
        Path out;

        @Option(names = "--sft", paramLabel = "FILE", description = "Also write SFT records (question, answer) of the"
                + " selected rows.")
        Path sft;

        @Override
        public Integer call() throws IOException {
            PreferencePairs.Result r = PreferencePairs.write(in, out, sft);
            PrintWriter o = spec.commandLine().getOut();
            o.printf("%d pairs (%d rows dropped: rejected side equal to the chosen one)%s%n", r.pairs().size(),
                    r.dropped(), sft == null ? "" : ", " + r.sft().size() + " SFT records");
            o.println("wrote " + out.toAbsolutePath());
            o.flush();
            return 0;
        }
    }
}
