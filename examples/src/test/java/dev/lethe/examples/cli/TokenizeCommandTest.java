package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.engine.testing.SharedFiles;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.nd4j.shade.jackson.databind.ObjectMapper;

class TokenizeCommandTest {

    private static String ids(List<Integer> ids) {
        return "{\"ids\":[" + ids.stream().map(String::valueOf).collect(Collectors.joining(",")) + "]}";
    }

    /** Every eighth string of tokenizer_reference.json (5 of 33), with and without special tokens. */
    @SuppressWarnings("unchecked")
    private static void matchesReference(String family, String tokenizerPath) throws Exception {
        Map<String, List<Map<String, Object>>> ref = new ObjectMapper().readValue(
                SharedFiles.path("fixtures/hf/tokenizer_reference.json").toFile(), Map.class);
        List<Map<String, Object>> cases = ref.get(family);
        assertThat(cases).hasSize(33);
        for (int i = 0; i < cases.size(); i += 8) {
            String text = (String) cases.get(i).get("text");
            CliRun plain = CliRun.of("tokenize", "--tokenizer", tokenizerPath, "--text", text);
            assertThat(plain.code()).as(plain.err()).isZero();
            assertThat(plain.out()).as("%s %s", family, text).isEqualTo(ids((List<Integer>) cases.get(i).get("ids"))
                    + System.lineSeparator());
            CliRun special = CliRun.of("tokenize", "--tokenizer", tokenizerPath, "--text", text, "--special");
            assertThat(special.code()).as(special.err()).isZero();
            assertThat(special.out()).as("%s %s --special", family, text)
                    .isEqualTo(ids((List<Integer>) cases.get(i).get("ids_with_special")) + System.lineSeparator());
        }
    }

    @Test
    void gpt2EncoderJsonAndVocabBpeFolderMatchesRustTokenizers() throws Exception {
        matchesReference("gpt2", SharedFiles.path("tokenizers/gpt2").toString());
    }

    @Test
    void llama3TokenizerJsonMatchesRustTokenizers() throws Exception {
        matchesReference("llama3", SharedFiles.path("tokenizers/llama3/tokenizer.json").toString());
    }

    @Test
    void llama2cTokenizerBinAddsBosOnlyWithSpecial() {
        String tok = SharedFiles.path("models/stories260K/tok512.bin").toString();
        CliRun plain = CliRun.of("tokenize", "--tokenizer", tok, "--text", "Once upon a time");
        CliRun special = CliRun.of("tokenize", "--tokenizer", tok, "--text", "Once upon a time", "--special");
        assertThat(plain.code()).as(plain.err()).isZero();
        assertThat(special.code()).as(special.err()).isZero();
        assertThat(plain.out()).startsWith("{\"ids\":[").doesNotStartWith("{\"ids\":[1,");
        assertThat(special.out()).isEqualTo(plain.out().replace("{\"ids\":[", "{\"ids\":[1,"));
    }

    @Test
    void aModelFolderWithTokenizerJsonWorks() {
        CliRun r = CliRun.of("tokenize", "--tokenizer", SharedFiles.path("fixtures/hf/llama").toString(), "--text",
                "Hello");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().strip()).matches("\\{\"ids\":\\[\\d+(,\\d+)*]}");
    }

    @Test
    void aMissingTokenizerFailsClearly() {
        CliRun r = CliRun.of("tokenize", "--tokenizer", "/no/such/tokenizer.json", "--text", "x");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("lethe: /no/such/tokenizer.json: no such file or folder").doesNotContain("\tat ");
        assertThat(r.out()).isEmpty();
    }
}
