package dev.lethe.transformer.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.engine.testing.SharedFiles;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * One BOS rule for prompts: Lethe's training (unlearn's Encoder), evaluation (TOFU, safety) and editing all encode a
 * prompt through {@link PromptTemplate#promptIds}, which puts BOS in front only when the tokenizer has one distinct
 * from EOS. GPT-2's {@code <|endoftext|>} is both, and Hugging Face's GPT-2 tokenizer never prepends it either.
 */
class PromptTemplateBosTest {

    @Test
    void gpt2PromptsStartWithTheQuestionNotEndOfText() throws Exception {
        var dir = SharedFiles.path("tokenizers/gpt2");
        try (Tokenizer tok = Gpt2BpeFiles.load(dir.resolve("encoder.json"), dir.resolve("vocab.bpe"))) {
            assertThat(tok.bosId()).isPresent();
            assertThat(tok.bosId()).isEqualTo(tok.eosId());
            assertThat(PromptTemplate.trainsWithBos(tok)).isFalse();
            int[] ids = PromptTemplate.PLAIN.promptIds(tok, "Who wrote it?");
            assertThat(ids).isEqualTo(tok.encode("Question: Who wrote it?\nAnswer:", false));
            assertThat(ids[0]).isNotEqualTo(tok.bosId().getAsInt());
        }
    }

    @Test
    void llamaPromptsStartWithOneBos() throws Exception {
        try (Tokenizer tok = Tokenizers.load(SharedFiles.path("fixtures/hf/llama"))) {
            assertThat(PromptTemplate.trainsWithBos(tok)).isTrue();
            int[] ids = PromptTemplate.PLAIN.promptIds(tok, "Who wrote it?");
            assertThat(ids[0]).isEqualTo(tok.bosId().getAsInt());
            assertThat(Arrays.copyOfRange(ids, 1, ids.length))
                    .isEqualTo(tok.encode("Question: Who wrote it?\nAnswer:", false));
            assertThat(PromptTemplate.RAW.withSpecialTokens(false, true).promptIds(tok, "x"))
                    .isEqualTo(tok.encode("x", false));
        }
    }
}
