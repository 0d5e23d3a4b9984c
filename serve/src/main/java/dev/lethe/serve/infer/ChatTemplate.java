package dev.lethe.serve.infer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns chat messages into the prompt text a model was trained on. With a {@code chat_template} in the model's
 * {@code tokenizer_config.json} (a string, or the entry named "default" of a list), it is rendered with Jinjava
 * (HubSpot's Jinja for the JVM) the way transformers' {@code apply_chat_template} does: trim_blocks and lstrip_blocks,
 * variables {@code messages}, {@code add_generation_prompt}, {@code bos_token}, {@code eos_token} and a
 * {@code raise_exception(msg)} function; the text is then tokenized without adding special tokens. Without one, a
 * plain template writes one "role: content" line per message followed by "assistant:", tokenized with the tokenizer's
 * special tokens (e.g. BOS).
 */
public final class ChatTemplate {
    /** Rendered prompt text and whether the tokenizer should add its special tokens to it. */
    public record Prompt(String text, boolean addSpecialTokens) {
    }

    private final String template;
    private final String bos;
    private final String eos;
    private final Jinjava jinja;

    private ChatTemplate(String template, String bos, String eos) {
        this.template = template;
        this.bos = bos;
        this.eos = eos;
        if (template == null) {
            this.jinja = null;
        } else {
            // Python Jinja semantics where Jinjava keeps older behaviour by default: {{- -}} trimming, strict
            // whitespace control, Python operator precedence, evaluated dict-literal keys
            LegacyOverrides python = LegacyOverrides.newBuilder().withUseTrimmingForNotesAndExpressions(true)
                    .withParseWhitespaceControlStrictly(true).withUseNaturalOperatorPrecedence(true)
                    .withEvaluateMapKeys(true).build();
            this.jinja = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true)
                    .withLegacyOverrides(python).build());
            jinja.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                    ChatTemplate.class, "raiseException", String.class));
        }
    }

    /** The plain fallback template. */
    public static ChatTemplate plain() {
        return new ChatTemplate(null, "", "");
    }

    /** A Jinja template with these BOS/EOS token strings. */
    public static ChatTemplate jinja(String template, String bos, String eos) {
        return new ChatTemplate(template, bos == null ? "" : bos, eos == null ? "" : eos);
    }

    /** The template of a model folder's tokenizer_config.json, or the plain one when it has none. */
    public static ChatTemplate forModel(Path dir) throws IOException {
        Path f = dir.resolve("tokenizer_config.json");
        if (!Files.exists(f)) {
            return plain();
        }
        JsonNode cfg = new ObjectMapper().readTree(f.toFile());
        JsonNode t = cfg.path("chat_template");
        String text = null;
        if (t.isTextual()) {
            text = t.asText();
        } else if (t.isArray()) {
            for (JsonNode e : t) {
                if ("default".equals(e.path("name").asText())) {
                    text = e.path("template").asText();
                }
            }
            if (text == null) {
                throw new IOException(f + ": field chat_template is a list without an entry named \"default\"");
            }
        } else if (!t.isMissingNode() && !t.isNull()) {
            throw new IOException(f + ": field chat_template must be a string or a list of {name, template}");
        }
        return text == null ? plain() : jinja(text, tokenText(cfg.path("bos_token")), tokenText(cfg.path("eos_token")));
    }

    private static String tokenText(JsonNode n) {
        return n.isTextual() ? n.asText() : n.path("content").asText("");
    }

    /** Whether a Jinja template (rather than the plain fallback) is used. */
    public boolean isJinja() {
        return template != null;
    }

    /** Renders messages (maps with at least "role" and "content") followed by the assistant's turn. */
    public Prompt render(List<Map<String, Object>> messages) {
        if (template == null) {
            StringBuilder sb = new StringBuilder();
            for (Map<String, Object> m : messages) {
                sb.append(m.get("role")).append(": ").append(m.get("content")).append('\n');
            }
            return new Prompt(sb.append("assistant:").toString(), true);
        }
        Map<String, Object> ctx = new HashMap<>();
        ctx.put("messages", messages);
        ctx.put("add_generation_prompt", true);
        ctx.put("bos_token", bos);
        ctx.put("eos_token", eos);
        RenderResult r = jinja.renderForResult(template, ctx);
        for (TemplateError e : r.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                Throwable cause = e.getException();
                while (cause != null && cause.getCause() != null && !(cause instanceof IllegalArgumentException)) {
                    cause = cause.getCause();
                }
                throw new IllegalArgumentException("the model's chat_template failed: " + (cause instanceof
                        IllegalArgumentException ? cause.getMessage() : e.getMessage()));
            }
        }
        return new Prompt(r.getOutput(), false);
    }

    /** raise_exception(msg) of chat templates: the template rejects the conversation. */
    public static String raiseException(String message) {
        throw new IllegalArgumentException(message);
    }
}
