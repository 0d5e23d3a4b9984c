package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.engine.testing.SharedFiles;
import org.junit.jupiter.api.Test;

/** {@code generate} on a folder without a tokenizer prints ids and says on stderr why and how to get text. */
class GenerateWithoutTokenizerTest {

    @Test
    void idsComeWithAnExplanationOnStderr() {
        String model = SharedFiles.path("models/stories260K/hf").toString();
        CliRun r = CliRun.of("generate", "--model", model, "--prompt-ids", "1", "--max-new-tokens", "3");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().strip()).matches("\\d+(,\\d+){2}");
        assertThat(r.err()).contains("the output is token ids, not text: No tokenizer found in directory " + model)
                .contains("To print text, pass --tokenizer PATH");

        CliRun withTokenizer = CliRun.of("generate", "--model", model, "--tokenizer",
                SharedFiles.path("models/stories260K/tok512.bin").toString(), "--prompt-ids", "1",
                "--max-new-tokens", "3");
        assertThat(withTokenizer.code()).as(withTokenizer.err()).isZero();
        assertThat(withTokenizer.err()).doesNotContain("token ids");
    }
}
