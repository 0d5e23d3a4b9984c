package dev.lethe.transformer.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.engine.testing.SharedFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link IncrementalDetokenizer}'s text equals the whole-sequence decode ({@link IncrementalDetokenizer#fullText}) after
 * every token, for byte-level BPE (GPT-2, the demo model's 512-id tokenizer), and SentencePiece-style decoding with
 * byte fallback and a stripped leading space (llama2.c's tok512.bin of stories260K). Continuations are encoded
 * multi-byte UTF-8 text (characters split across tokens: accents, CJK, emoji), random ids (bytes that never form a
 * character, special tokens) and mixtures; prompts include one that ends inside a character.
 */
class IncrementalDetokenizerTest {
    static final String TEXT = " naïve café — 日本語のテキスト 🙂👍🏽 Ünïcödé\nthe end. «ok» ñ";
    static HfTokenizer gpt2;
    static HfTokenizer demo;
    static HfTokenizer llama2c;

    @BeforeAll
    static void load() {
        Path dir = SharedFiles.path("tokenizers/gpt2");
        gpt2 = Gpt2BpeFiles.load(dir.resolve("encoder.json"), dir.resolve("vocab.bpe"));
        demo = Tokenizers.load(demoFolder());
        llama2c = Tokenizers.load(SharedFiles.path("models/stories260K/tok512.bin"));
    }

    /** The demo model's tokenizer, committed in this repository under demo/models/retain. */
    static Path demoFolder() {
        Path here = Path.of("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {
            Path candidate = p.resolve("demo/models/retain/tokenizer.json");
            if (candidate.toFile().isFile()) {
                return candidate;
            }
        }
        throw new IllegalStateException("demo/models/retain/tokenizer.json not found above " + here);
    }

    @AfterAll
    static void close() {
        gpt2.close();
        demo.close();
        llama2c.close();
    }

    static HfTokenizer tokenizer(String name) {
        return switch (name) {
            case "gpt2" -> gpt2;
            case "demo" -> demo;
            default -> llama2c;
        };
    }

    /** Adds {@code generated} one token at a time, comparing with the whole-sequence decode after each. */
    static void assertEveryPrefix(Tokenizer tok, int[] prompt, int[] generated, String what) {
        IncrementalDetokenizer inc = new IncrementalDetokenizer(tok, prompt);
        String before = "";
        for (int i = 0; i < generated.length; i++) {
            inc.add(generated[i]);
            String want = IncrementalDetokenizer.fullText(tok, prompt, Arrays.copyOf(generated, i + 1));
            assertThat(inc.text()).as("%s after %d tokens", what, i + 1).isEqualTo(want);
            // the text before changedFrom is the text of the previous step
            assertThat(inc.changedFrom()).as("%s changedFrom", what).isBetween(0, Math.min(before.length(),
                    want.length()));
            assertThat(want.substring(0, inc.changedFrom())).isEqualTo(before.substring(0, inc.changedFrom()));
            before = want;
        }
        assertThat(inc.generated()).isEqualTo(generated);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "demo", "llama2c"})
    void encodedMultiByteTextEqualsTheWholeDecodeAfterEveryToken(String name) {
        HfTokenizer tok = tokenizer(name);
        int[] generated = tok.encode(TEXT, false);
        // characters really are split across tokens for the byte-level tokenizers (the emoji take several)
        assertThat(generated.length).isGreaterThan(20);
        for (String prompt : List.of("Once upon a time", "x", "日本")) {
            assertEveryPrefix(tok, tok.encode(prompt, true), generated, name + " prompt '" + prompt + "'");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "demo", "llama2c"})
    void randomIdsEqualTheWholeDecodeAfterEveryToken(String name) {
        HfTokenizer tok = tokenizer(name);
        SplittableRandom r = new SplittableRandom(7);
        int[] prompt = tok.encode("Tell me a story about", true);
        for (int trial = 0; trial < 4; trial++) {
            int[] generated = r.ints(60, 0, tok.vocabSize()).toArray();
            assertEveryPrefix(tok, prompt, generated, name + " random trial " + trial);
        }
        // mixed: text pieces with random ids between them
        List<Integer> mixed = new ArrayList<>();
        for (int id : tok.encode(TEXT, false)) {
            mixed.add(id);
            if (r.nextInt(4) == 0) {
                mixed.add(r.nextInt(tok.vocabSize()));
            }
        }
        assertEveryPrefix(tok, prompt, mixed.stream().mapToInt(Integer::intValue).toArray(), name + " mixed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "demo"})
    void aPromptEndingInsideACharacterEqualsTheWholeDecode(String name) {
        HfTokenizer tok = tokenizer(name);
        int[] emoji = tok.encode("Hi 🙂👍🏽", false);
        // cut the prompt one token before the end: its text ends in an incomplete character
        int[] prompt = Arrays.copyOf(emoji, emoji.length - 1);
        assertThat(tok.decode(prompt, true)).endsWith("\uFFFD");
        int[] more = tok.encode(" and é", false);
        int[] generated = new int[1 + more.length];
        generated[0] = emoji[emoji.length - 1];
        System.arraycopy(more, 0, generated, 1, more.length);
        assertEveryPrefix(tok, prompt, generated, name + " split prompt");
    }
}
