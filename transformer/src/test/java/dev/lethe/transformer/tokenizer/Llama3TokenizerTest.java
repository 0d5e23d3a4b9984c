package dev.lethe.transformer.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.engine.testing.SharedFiles;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real Llama-3 tokenizer.json (+ tokenizer_config.json) against the Rust library's reference ids. */
class Llama3TokenizerTest {
    static HfTokenizer tok;

    @BeforeAll
    static void load() {
        tok = Tokenizers.load(SharedFiles.path("tokenizers/llama3"));
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    @Test
    void all33ReferenceStringsGiveExactIds() {
        List<ReferenceCases> cases = ReferenceCases.load("llama3");
        assertThat(cases).hasSize(33);
        for (ReferenceCases c : cases) {
            assertThat(tok.encode(c.text(), false)).as("%s", c).containsExactly(c.ids());
            assertThat(tok.encode(c.text(), true)).as("with special: %s", c).containsExactly(c.idsWithSpecial());
            assertThat(tok.decode(c.ids(), true)).isEqualTo(c.decoded());
            assertThat(tok.decode(tok.encode(c.text(), true), false)).isEqualTo(c.text());
        }
    }

    @Test
    void specialTokensComeFromTokenizerConfig() {
        // tokenizer_config.json: bos_token <|begin_of_text|>, eos_token <|end_of_text|>, no pad.
        assertThat(tok.bosId()).hasValue(128000);
        assertThat(tok.eosId()).hasValue(128001);
        assertThat(tok.padId()).isEmpty();
        assertThat(tok.vocabSize()).isEqualTo(128256); // 128,000 BPE tokens + 256 special
        assertThat(tok.idToToken(128000)).hasValue("<|begin_of_text|>");
        assertThat(tok.tokenToId("<|eot_id|>")).hasValue(128009);
        assertThat(tok.isSpecial(128009)).isTrue();
        assertThat(tok.decode(new int[] {128000, 9906, 1917, 128001}, true)).isEqualTo("Hello world");
        assertThat(tok.decode(new int[] {128000, 9906, 1917}, false)).isEqualTo("<|begin_of_text|>Hello world");
        // Special tokens written in the text are recognised as such.
        assertThat(tok.encode("<|begin_of_text|>Hello world", false)).containsExactly(128000, 9906, 1917);
    }
}
