package dev.lethe.transformer.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.engine.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The 512-token byte-level BPE tokenizer.json of the tiny HF fixtures (merges stored as pairs, the newer format),
 * checked against the plain-Java byte-level BPE oracle and against the special-token ids of the fixtures'
 * config.json (bos 1, eos 2, pad 0).
 */
class FixtureTokenizerTest {

    @Test
    void loadsAndEncodesLikeTheIndependentByteLevelBpe() throws Exception {
        Path file = SharedFiles.path("fixtures/hf/llama/tokenizer.json");
        ReferenceByteLevelBpe ref = ReferenceByteLevelBpe.fromTokenizerJson(new ObjectMapper().readTree(file.toFile()));
        List<String> texts = new ArrayList<>();
        ReferenceCases.load("gpt2").forEach(c -> texts.add(c.text()));
        texts.add(Files.readString(SharedFiles.path("models/stories260K/golden_greedy_255.txt")));
        try (HfTokenizer tok = Tokenizers.load(file.getParent())) {
            assertThat(tok.vocabSize()).isEqualTo(512);
            assertThat(tok.vocabulary().modelType()).isEqualTo("BPE");
            assertThat(tok.bosId()).hasValue(1);
            assertThat(tok.eosId()).hasValue(2);
            assertThat(tok.padId()).hasValue(0);
            assertThat(tok.idToToken(259)).hasValue("\u0120t");
            for (String t : texts) {
                int[] ids = tok.encode(t, true);
                assertThat(ids).as("%s", t).containsExactly(ref.encode(t));
                assertThat(tok.encode(t, false)).containsExactly(ids); // no post-processor in this file
                assertThat(tok.decode(ids, true)).isEqualTo(t);
            }
            // "Hello": H e l lo by hand from the merges (l+o is a merge, H+e and e+l are not).
            assertThat(tok.encode("Hello", false)).containsExactly(
                    tok.tokenToId("H").getAsInt(), tok.tokenToId("e").getAsInt(), tok.tokenToId("l").getAsInt(),
                    tok.tokenToId("lo").getAsInt());
            assertThat(tok.decode(new int[] {1, 42, 2, 0}, true)).isEqualTo("H");
        }
    }
}
