package dev.lethe.aidsafe.agent;

import dev.lethe.transformer.generate.Generation;
import dev.lethe.transformer.generate.GenerationConfig;
import dev.lethe.transformer.generate.Generator;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.List;

/**
 * A Lethe model in process (no HTTP): the conversation is rendered as plain text, one block per message
 * ({@code "System: ..."}, {@code "User: ..."}), then {@code "Assistant:"}, and the continuation is generated greedily
 * (temperature 0) or by seeded sampling, stopping at EOS, at the next {@code "\nUser:"} or after the role's
 * {@code maxTokens}. Models without a chat template (the tiny ones Lethe trains) see the same format in every stage.
 * The model name of the role is ignored. Calls are serialised (one model, one generation at a time).
 */
public final class LocalAgent implements Agent {
    private final Generator generator;
    private final Tokenizer tokenizer;
    private final RequestBudget budget;

    public LocalAgent(CausalLM model, Tokenizer tokenizer, RequestBudget budget) {
        this.generator = new Generator(model, tokenizer);
        this.tokenizer = tokenizer;
        this.budget = budget;
    }

    /** The plain-text rendering of a conversation, ending with the assistant's turn. */
    public static String render(List<ChatMessage> messages) {
        StringBuilder b = new StringBuilder();
        for (ChatMessage m : messages) {
            String who = switch (m.role()) {
                case "system" -> "System";
                case "assistant" -> "Assistant";
                default -> "User";
            };
            b.append(who).append(": ").append(m.content().strip()).append("\n\n");
        }
        return b.append("Assistant:").toString();
    }

    @Override
    public synchronized String chat(List<ChatMessage> messages, RoleSettings role) {
        budget.take();
        GenerationConfig cfg = role.temperature() == 0 ? GenerationConfig.greedy(role.maxTokens())
                : GenerationConfig.sampling(role.maxTokens(), role.temperature(), 0, 1.0, role.seed());
        cfg = cfg.withStopStrings("\nUser:");
        int[] prompt = tokenizer.encode(render(messages), true);
        int ctx = generator.model().config().maxPositionEmbeddings();
        if (ctx > 0 && prompt.length + role.maxTokens() > ctx) {
            // keep the end of the conversation (the instruction of this stage) and room for the reply
            int keep = Math.max(1, ctx - role.maxTokens());
            prompt = Arrays.copyOfRange(prompt, prompt.length - keep, prompt.length);
        }
        Generation g = generator.generate(prompt, cfg);
        return g.text().strip();
    }
}
