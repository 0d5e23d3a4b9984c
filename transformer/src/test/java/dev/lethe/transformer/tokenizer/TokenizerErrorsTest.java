package dev.lethe.transformer.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lethe.engine.testing.SharedFiles;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input gives a TokenizerException that names the file, the field and the fix. */
class TokenizerErrorsTest {
    @TempDir
    Path tmp;

    private Path write(String name, String text) throws Exception {
        Path p = tmp.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    private static String fixtureJson() throws Exception {
        return Files.readString(SharedFiles.path("fixtures/hf/llama/tokenizer.json"));
    }

    @Test
    void missingFileAndEmptyDirectory() {
        Path missing = tmp.resolve("nope/tokenizer.json");
        assertThatThrownBy(() -> Tokenizers.load(missing)).isInstanceOf(TokenizerException.class)
                .hasMessageContaining("not found").hasMessageContaining(missing.toString());
        assertThatThrownBy(() -> Tokenizers.load(tmp)).isInstanceOf(TokenizerException.class)
                .hasMessageContaining(tmp.toString()).hasMessageContaining("tokenizer.json")
                .hasMessageContaining("vocab.bpe").hasMessageContaining("tokenizer.bin");
    }

    @Test
    void truncatedJson() throws Exception {
        Path p = write("tokenizer.json", fixtureJson().substring(0, 5000));
        assertThatThrownBy(() -> HfTokenizer.load(p)).isInstanceOf(TokenizerException.class)
                .hasMessageContaining(p.toString()).hasMessageContaining("not valid JSON")
                .hasMessageContaining("line");
    }

    @Test
    void binaryFileIsNotUtf8() throws Exception {
        Path p = tmp.resolve("tokenizer.json");
        Files.write(p, new byte[] {7, 0, 0, 0, (byte) 0xff, (byte) 0xfe, (byte) 0x80});
        assertThatThrownBy(() -> HfTokenizer.load(p)).isInstanceOf(TokenizerException.class)
                .hasMessageContaining(p.toString()).hasMessageContaining("not UTF-8");
    }

    @Test
    void missingOrMalformedFields() throws Exception {
        Path noModel = write("a.json", "{\"version\": \"1.0\", \"added_tokens\": []}");
        assertThatThrownBy(() -> HfTokenizer.load(noModel)).isInstanceOf(TokenizerException.class)
                .hasMessageContaining(noModel.toString()).hasMessageContaining("'model'");
        Path badVocab = write("b.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": 3, \"merges\": []}}");
        assertThatThrownBy(() -> HfTokenizer.load(badVocab)).isInstanceOf(TokenizerException.class)
                .hasMessageContaining(badVocab.toString()).hasMessageContaining("'model.vocab'");
        Path negId = write("c.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": -4}, \"merges\": []}}");
        assertThatThrownBy(() -> HfTokenizer.load(negId)).isInstanceOf(TokenizerException.class)
                .hasMessageContaining("'model.vocab'").hasMessageContaining("'a'");
        Path badAdded = write("d.json", fixtureJson().replaceFirst("\"id\": 0,", "\"id\": \"zero\","));
        assertThatThrownBy(() -> HfTokenizer.load(badAdded)).isInstanceOf(TokenizerException.class)
                .hasMessageContaining("'added_tokens[0]'");
    }

    @Test
    void rustLibraryRejectionIsWrappedWithTheFileName() throws Exception {
        // A merge of tokens that are not in the vocabulary: valid JSON, invalid tokenizer.
        Path p = write("e.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1},"
                + " \"merges\": [\"x y\"]}}");
        assertThatThrownBy(() -> HfTokenizer.load(p)).isInstanceOf(TokenizerException.class)
                .hasMessageContaining(p.toString()).hasMessageContaining("rejected");
    }

    @Test
    void tokenizerConfigNamingAnUnknownTokenOrCorrupt() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("model"));
        Files.writeString(dir.resolve("tokenizer.json"), fixtureJson());
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": \"<|nope|>\"}");
        assertThatThrownBy(() -> Tokenizers.load(dir)).isInstanceOf(TokenizerException.class)
                .hasMessageContaining("'bos_token'").hasMessageContaining("<|nope|>")
                .hasMessageContaining("tokenizer_config.json");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": ");
        assertThatThrownBy(() -> Tokenizers.load(dir)).isInstanceOf(TokenizerException.class)
                .hasMessageContaining(dir.resolve("tokenizer_config.json").toString())
                .hasMessageContaining("not valid JSON");
        Files.writeString(dir.resolve("tokenizer_config.json"),
                "{\"bos_token\": {\"content\": \"</s>\"}, \"eos_token\": \"<s>\"}");
        try (HfTokenizer t = Tokenizers.load(dir)) {
            assertThat(t.bosId()).hasValue(2); // the config wins over the guess
            assertThat(t.eosId()).hasValue(1);
        }
    }

    @Test
    void corruptLlama2cBin() throws Exception {
        byte[] good = Files.readAllBytes(SharedFiles.path("models/stories260K/tok512.bin"));
        Path truncated = tmp.resolve("t.bin");
        Files.write(truncated, java.util.Arrays.copyOf(good, 3001));
        assertThatThrownBy(() -> Llama2cTokenizerBin.read(truncated)).isInstanceOf(TokenizerException.class)
                .hasMessageContaining(truncated.toString()).hasMessageContaining("token");
        Path badHeader = tmp.resolve("h.bin");
        Files.write(badHeader, ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(-5).array());
        assertThatThrownBy(() -> Llama2cTokenizerBin.read(badHeader)).isInstanceOf(TokenizerException.class)
                .hasMessageContaining("max_token_length");
        assertThatThrownBy(() -> Llama2cTokenizerBin.read(SharedFiles.path("models/stories260K/tok512.bin"), 600))
                .isInstanceOf(TokenizerException.class).hasMessageContaining("expected 600 tokens");
    }

    @Test
    void brokenGpt2Pair() throws Exception {
        Path enc = write("encoder.json", "{\"a\": 0, \"b\": 1, \"ab\": 2}");
        Path bpe = write("vocab.bpe", "#version: 0.2\na b\na c\n");
        assertThatThrownBy(() -> Gpt2BpeFiles.load(enc, bpe)).isInstanceOf(TokenizerException.class)
                .hasMessageContaining("line 3").hasMessageContaining(bpe.toString());
        Files.writeString(bpe, "#version: 0.2\nab\n");
        assertThatThrownBy(() -> Gpt2BpeFiles.load(enc, bpe)).isInstanceOf(TokenizerException.class)
                .hasMessageContaining("line 2").hasMessageContaining("two tokens");
        Files.delete(bpe);
        assertThatThrownBy(() -> Tokenizers.load(enc)).isInstanceOf(TokenizerException.class)
                .hasMessageContaining("not found").hasMessageContaining("vocab.bpe");
    }

    @Test
    void badIdsAndUseAfterClose() throws Exception {
        HfTokenizer t = HfTokenizer.load(SharedFiles.path("fixtures/hf/llama/tokenizer.json"));
        assertThatThrownBy(() -> t.decode(new int[] {5, 512}, false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("512").hasMessageContaining("position 1");
        assertThatThrownBy(() -> t.decode(new int[] {-1}, false)).isInstanceOf(IllegalArgumentException.class);
        t.close();
        t.close(); // idempotent
        assertThatThrownBy(() -> t.encode("x", false)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }
}
