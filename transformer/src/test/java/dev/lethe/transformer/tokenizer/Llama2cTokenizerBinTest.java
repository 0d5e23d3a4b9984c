package dev.lethe.transformer.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.engine.testing.SharedFiles;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * llama2.c's tok512.bin (stories260K) converted to a tokenizer.json, checked against a plain-Java port of
 * llama2.c's encoder, against the ids llama2.c generated (shared/models/stories260K/SOURCE.md) and its text.
 */
class Llama2cTokenizerBinTest {
    /** First 40 ids of llama2.c's greedy stories260K output, from shared/models/stories260K/SOURCE.md. */
    static final int[] GOLDEN_IDS = {403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426,
        338, 401, 396, 267, 337, 410, 408, 419, 292, 411, 322, 265, 282, 295, 433, 426, 385, 328, 432, 358, 394,
        261, 370, 432, 352};

    static Llama2cTokenizerBin bin;
    static HfTokenizer tok;
    static ReferenceLlama2cEncoder ref;
    static String golden;

    static Path resource(String name) throws URISyntaxException {
        return Path.of(Llama2cTokenizerBinTest.class.getResource("/tokenizer/" + name).toURI());
    }

    @BeforeAll
    static void load() throws Exception {
        bin = Llama2cTokenizerBin.read(resource("tok512.bin"));
        tok = bin.toTokenizer();
        ref = new ReferenceLlama2cEncoder(bin);
        golden = Files.readString(SharedFiles.path("models/stories260K/golden_greedy_255.txt"));
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    @Test
    void readsTheBinaryLayout() {
        assertThat(bin.size()).isEqualTo(512);
        assertThat(bin.maxTokenLength()).isEqualTo(7);
        assertThat(bin.piece(0)).isEqualTo("<unk>");
        assertThat(bin.piece(1)).isEqualTo("\n<s>\n");
        assertThat(bin.piece(3)).isEqualTo("<0x00>");
        assertThat(bin.piece(258)).isEqualTo("<0xFF>");
        assertThat(bin.piece(259)).isEqualTo(" t");
        assertThat(bin.score(260)).isEqualTo(-1.0f);
        assertThat(bin.score(511)).isEqualTo(-252.0f);
    }

    @Test
    void convertedVocabularyAndSpecialTokens() {
        assertThat(tok.vocabSize()).isEqualTo(512);
        assertThat(tok.unkId()).hasValue(0);
        assertThat(tok.bosId()).hasValue(1);
        assertThat(tok.eosId()).hasValue(2);
        assertThat(tok.padId()).isEmpty();
        assertThat(tok.tokenToId("\u2581t")).hasValue(259);
        assertThat(tok.tokenToId("<0x0A>")).hasValue(13);
        assertThat(tok.isSpecial(1)).isTrue();
        assertThat(tok.isSpecial(13)).isFalse();
    }

    @Test
    void decodesLlama2cGeneratedIdsToTheGoldenText() {
        String text = tok.decode(GOLDEN_IDS, true);
        assertThat(text).startsWith("Once upon a time, there was a little girl named Lily.");
        assertThat(golden).startsWith(text);
        assertThat(text).isEqualTo(ref.decode(GOLDEN_IDS, 1));
        // With BOS in front (as llama2.c's stream starts), skipping special tokens gives the same text.
        int[] withBos = new int[GOLDEN_IDS.length + 1];
        withBos[0] = 1;
        System.arraycopy(GOLDEN_IDS, 0, withBos, 1, GOLDEN_IDS.length);
        assertThat(tok.decode(withBos, true)).isEqualTo(text);
    }

    @Test
    void encodingTheGoldenPrefixGivesLlama2cIds() {
        String text = ref.decode(GOLDEN_IDS, 1);
        int[] expected = new int[GOLDEN_IDS.length + 1];
        expected[0] = 1;
        System.arraycopy(GOLDEN_IDS, 0, expected, 1, GOLDEN_IDS.length);
        assertThat(ref.encode(text, true)).as("oracle reproduces llama2.c's ids").containsExactly(expected);
        assertThat(tok.encode(text, true)).containsExactly(expected);
        assertThat(tok.encode(text, false)).containsExactly(GOLDEN_IDS);
    }

    @Test
    void agreesWithLlama2cEncoderOnStoriesReferenceStringsAndRandomText() {
        List<String> texts = new ArrayList<>(List.of(golden, "", " ", "a", "\n", "Hello world"));
        golden.lines().forEach(texts::add);
        ReferenceCases.load("gpt2").forEach(c -> texts.add(c.text()));
        Random rnd = new Random(42);
        String alphabet = "aaabbeeilnost  ,.'\n\u00e9\u4e2d";
        for (int i = 0; i < 300; i++) {
            StringBuilder sb = new StringBuilder();
            int n = 1 + rnd.nextInt(40);
            for (int j = 0; j < n; j++) {
                sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            }
            texts.add(sb.toString());
        }
        for (String t : texts) {
            assertThat(tok.encode(t, true)).as("encode %s", t).containsExactly(ref.encode(t, true));
            assertThat(tok.encode(t, false)).as("encode %s", t).containsExactly(ref.encode(t, false));
            assertThat(tok.decode(tok.encode(t, true), true)).as("round trip %s", t).isEqualTo(t);
        }
    }

    @Test
    void batchEncodingAddsBosToEach() {
        List<int[]> b = tok.encodeBatch(List.of("Once upon a time", "", "Lily"), true);
        assertThat(b.get(0)).containsExactly(ref.encode("Once upon a time", true));
        assertThat(b.get(1)).containsExactly(1);
        assertThat(b.get(2)).containsExactly(ref.encode("Lily", true));
    }

    @Test
    void newerMetaspaceFormOfTheSameTokenizerGivesTheSameIds() throws Exception {
        // Newer Llama-2/Mistral tokenizer.json files use a Metaspace pre-tokenizer (prepend "first", no split)
        // instead of the Prepend+Replace normalizer; both must give llama2.c's ids.
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        var root = (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(tok.toJson());
        root.putNull("normalizer");
        root.set("pre_tokenizer", mapper.readTree(
                "{\"type\": \"Metaspace\", \"replacement\": \"\u2581\", \"prepend_scheme\": \"first\","
                + " \"split\": false}"));
        try (HfTokenizer meta = HfTokenizer.fromJson(mapper.writeValueAsString(root), "metaspace variant", null)) {
            for (String t : golden.lines().toList()) {
                assertThat(meta.encode(t, true)).as(t).containsExactly(ref.encode(t, true));
            }
        }
    }

    @Test
    void tokenizersLoadRecognisesBinFiles() throws Exception {
        try (HfTokenizer t = Tokenizers.load(SharedFiles.path("models/stories260K/tok512.bin"))) {
            assertThat(t.encode("Once upon a time", true)).containsExactly(ref.encode("Once upon a time", true));
        }
    }

    @Test
    void convertedJsonSavesAndLoadsBack(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("tokenizer.json");
        tok.save(file);
        try (HfTokenizer back = HfTokenizer.load(file)) {
            assertThat(back.encode(golden, true)).containsExactly(tok.encode(golden, true));
            assertThat(back.bosId()).hasValue(1); // guessed from the special added token <s>
            assertThat(back.eosId()).hasValue(2);
        }
    }
}
