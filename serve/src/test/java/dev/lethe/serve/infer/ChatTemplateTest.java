package dev.lethe.serve.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Chat templates rendered by Jinjava with transformers' conventions, and the plain fallback. */
class ChatTemplateTest {
    /**
     * A Llama-2-style template as tokenizer_config.json files carry them (system folded into the first turn; strip()
     * trims only the ends of the folded text, so the user's leading space stays after the system block).
     */
    static final String LLAMA2 = "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
            + "{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}"
            + "{% set system_message = false %}{% endif %}"
            + "{% for message in loop_messages %}"
            + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
            + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
            + "{% endif %}"
            + "{% if loop.index0 == 0 and system_message != false %}"
            + "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
            + "{% else %}{% set content = message['content'] %}{% endif %}"
            + "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
            + "{% elif message['role'] == 'assistant' %}{{ ' ' + content.strip() + ' ' + eos_token }}{% endif %}"
            + "{% endfor %}";

    /**
     * A ChatML template laid out over lines: the newline after a block tag goes (trim_blocks), the indentation before
     * the indented {@code if} goes (lstrip_blocks), the rest is removed by the {@code -} markers, as Jinja does.
     */
    static final String CHATML = "{% for message in messages %}\n"
            + "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}\n"
            + "{%- endfor %}\n"
            + "  {% if add_generation_prompt %}\n"
            + "    {{- '<|im_start|>assistant\\n' }}\n"
            + "{%- endif %}\n";

    static Map<String, Object> msg(String role, String content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }

    @Test
    void llama2TemplateFoldsTheSystemPromptAndAlternatesTurns() {
        ChatTemplate t = ChatTemplate.jinja(LLAMA2, "<s>", "</s>");
        ChatTemplate.Prompt p = t.render(List.of(msg("system", "Be brief."), msg("user", " Hi "),
                msg("assistant", "Hello."), msg("user", "Who are you?")));
        assertThat(p.text()).isEqualTo("<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\n Hi [/INST] Hello. </s>"
                + "<s>[INST] Who are you? [/INST]");
        assertThat(p.addSpecialTokens()).isFalse();
        assertThatThrownBy(() -> t.render(List.of(msg("user", "a"), msg("user", "b"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must alternate");
    }

    @Test
    void chatMlTemplateFromTokenizerConfigWithTrimmedBlocks(@TempDir Path dir) throws Exception {
        String cfg = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("chat_template", CHATML)
                .put("eos_token", "<|im_end|>").toString();
        Files.writeString(dir.resolve("tokenizer_config.json"), cfg);
        ChatTemplate t = ChatTemplate.forModel(dir);
        assertThat(t.isJinja()).isTrue();
        assertThat(t.render(List.of(msg("user", "2+2?"))).text())
                .isEqualTo("<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void modelsWithoutATemplateGetThePlainOne(@TempDir Path dir) throws Exception {
        ChatTemplate t = ChatTemplate.forModel(dir);
        assertThat(t.isJinja()).isFalse();
        ChatTemplate.Prompt p = t.render(List.of(msg("system", "S"), msg("user", "U")));
        assertThat(p.text()).isEqualTo("system: S\nuser: U\nassistant:");
        assertThat(p.addSpecialTokens()).isTrue();
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": 3}");
        assertThatThrownBy(() -> ChatTemplate.forModel(dir)).hasMessageContaining("tokenizer_config.json")
                .hasMessageContaining("chat_template");
    }
}
