package dev.lethe.transformer.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.engine.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GPT-2 from encoder.json + vocab.bpe, through both paths (the pair directly, and the converted tokenizer.json
 * saved to a file and loaded back), against the Rust library's ids in tokenizer_reference.json.
 */
class Gpt2TokenizerTest {
    static HfTokenizer direct;
    static HfTokenizer viaFile;
    static List<ReferenceCases> cases;
    @TempDir
    static Path tmp;

    @BeforeAll
    static void load() throws Exception {
        Path dir = SharedFiles.path("tokenizers/gpt2");
        direct = Gpt2BpeFiles.load(dir.resolve("encoder.json"), dir.resolve("vocab.bpe"));
        Path json = tmp.resolve("tokenizer.json");
        direct.save(json);
        viaFile = Tokenizers.load(json);
        cases = ReferenceCases.load("gpt2");
    }

    @AfterAll
    static void close() {
        direct.close();
        viaFile.close();
    }

    @Test
    void all33ReferenceStringsGiveExactIdsThroughBothPaths() {
        assertThat(cases).hasSize(33);
        for (HfTokenizer tok : List.of(direct, viaFile)) {
            for (ReferenceCases c : cases) {
                assertThat(tok.encode(c.text(), false)).as("%s: %s", tok, c).containsExactly(c.ids());
                assertThat(tok.encode(c.text(), true)).as("%s with special: %s", tok, c)
                        .containsExactly(c.idsWithSpecial());
                assertThat(tok.decode(c.ids(), true)).as("decode %s", c).isEqualTo(c.decoded());
                assertThat(tok.decode(tok.encode(c.text(), true), false)).isEqualTo(c.text());
            }
        }
    }

    @Test
    void batchEncodingMatchesSingle() {
        List<String> texts = cases.stream().map(ReferenceCases::text).toList();
        List<int[]> batch = direct.encodeBatch(texts, false);
        for (int i = 0; i < texts.size(); i++) {
            assertThat(batch.get(i)).containsExactly(cases.get(i).ids());
        }
    }

    @Test
    void concurrentUseGivesTheSameIds() throws Exception {
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<Boolean>> fs = new java.util.ArrayList<>();
            for (int t = 0; t < 8; t++) {
                fs.add(pool.submit(() -> {
                    for (ReferenceCases c : cases) {
                        if (!java.util.Arrays.equals(direct.encode(c.text(), false), c.ids())) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (var f : fs) {
                assertThat(f.get()).isTrue();
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void specialTokensAndVocabulary() {
        assertThat(direct.vocabSize()).isEqualTo(50257);
        assertThat(direct.bosId()).hasValue(50256);
        assertThat(direct.eosId()).hasValue(50256);
        assertThat(viaFile.eosId()).hasValue(50256); // guessed from the special added token
        assertThat(direct.padId()).isEmpty();
        assertThat(direct.tokenToId("Ġworld")).hasValue(995);
        assertThat(direct.idToToken(15496)).hasValue("Hello");
        assertThat(direct.isSpecial(50256)).isTrue();
        assertThat(direct.isSpecial(995)).isFalse();
        // <|endoftext|> in text is the special token, and decode(skip) drops it.
        assertThat(direct.encode("Hi<|endoftext|>", false)).containsExactly(17250, 50256);
        assertThat(direct.decode(new int[] {17250, 50256}, true)).isEqualTo("Hi");
        assertThat(direct.decode(new int[] {17250, 50256}, false)).isEqualTo("Hi<|endoftext|>");
    }

    @Test
    void independentJavaBpeAgreesOnReferenceAndLongText() throws Exception {
        ReferenceByteLevelBpe ref = ReferenceByteLevelBpe.fromTokenizerJson(
                new ObjectMapper().readTree(direct.toJson()));
        for (ReferenceCases c : cases) {
            assertThat(ref.encode(c.text())).as("oracle self-check %s", c).containsExactly(c.ids());
        }
        String story = Files.readString(SharedFiles.path("models/stories260K/golden_greedy_255.txt"));
        assertThat(direct.encode(story, false)).containsExactly(ref.encode(story));
    }

    @Test
    void longTextIsNeitherTruncatedNorPaddedAndEncodeSpeedIsReported() throws Exception {
        String story = Files.readString(SharedFiles.path("models/stories260K/golden_greedy_255.txt"));
        StringBuilder sb = new StringBuilder();
        int k = 0;
        while (sb.length() < 100_000) {
            sb.append(story).append(cases.get(k++ % cases.size()).text()).append('\n');
        }
        String text = sb.toString();
        int[] ids = direct.encode(text, false);
        assertThat(ids.length).isGreaterThan(20_000);
        assertThat(direct.decode(ids, false)).isEqualTo(text);
        direct.encode(text, false); // warm-up
        int reps = 5;
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) {
            direct.encode(text, false);
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("GPT-2 encode: %d chars -> %d tokens, %.0f tokens/s (%.1f ms per call)%n",
                text.length(), ids.length, ids.length * reps / s, 1000 * s / reps);
    }
}
