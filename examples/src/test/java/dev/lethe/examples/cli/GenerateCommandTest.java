package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.engine.testing.SharedFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;

/** {@code lethe generate} in-process on stories260K (shared/models), against llama2.c's golden greedy text. */
class GenerateCommandTest {

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = LetheCli.newCommandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    static Path stories(String name) {
        return SharedFiles.path("models/stories260K/" + name);
    }

    static String golden() throws Exception {
        return Files.readString(stories("golden_greedy_255.txt"));
    }

    @Test
    void greedyFromBosPrintsTheGoldenText() throws Exception {
        Run r = run("generate", "--model", stories("hf").toString(), "--tokenizer", stories("tok512.bin").toString(),
                "--prompt-ids", "1", "--max-new-tokens", "255", "--greedy");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo(golden());
    }

    @Test
    void jsonFromTheLlama2cBinWithTextPromptAndStopString() throws Exception {
        Run r = run("generate", "--model", stories("stories260K_v1.bin").toString(), "--tokenizer",
                stories("tok512.bin").toString(), "--prompt", "Once upon a time,", "--max-new-tokens", "40",
                "--stop", "Lily", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        String[] lines = r.out().strip().split("\n");
        assertThat(lines).hasSize(1);
        JsonNode j = new ObjectMapper().readTree(lines[0]);
        assertThat(j.get("prompt_ids").get(0).asInt()).isEqualTo(1);
        assertThat(j.get("text").asText()).isEqualTo(" there was a little girl named ");
        assertThat(j.get("finish_reason").asText()).isEqualTo("stop_string");
        assertThat(j.get("ids").size()).isPositive().isLessThan(40);
        assertThat(j.has("seed")).isFalse();
    }

    @Test
    void seededSamplingIsReproducible() {
        String[] args = {"generate", "--model", stories("hf").toString(), "--tokenizer",
            stories("tok512.bin").toString(), "--prompt-ids", "1,403", "--max-new-tokens", "30", "--temperature", "0.9",
            "--top-k", "40", "--top-p", "0.95", "--seed", "123", "--json"};
        Run a = run(args);
        Run b = run(args);
        assertThat(a.code()).as(a.err()).isZero();
        assertThat(a.out()).isEqualTo(b.out()).contains("\"seed\":123");
    }

    @Test
    void withoutTokenizerPrintsIdsAndBadUsageIsReported() {
        Run ids = run("generate", "--model", stories("hf").toString(), "--prompt-ids", "1", "--max-new-tokens", "3");
        assertThat(ids.code()).as(ids.err()).isZero();
        assertThat(ids.out().strip()).isEqualTo("403,407,261");
        Run text = run("generate", "--model", stories("hf").toString(), "--prompt", "Once", "--max-new-tokens", "3");
        assertThat(text.code()).isEqualTo(1);
        assertThat(text.err()).contains("no tokenizer found").contains("--tokenizer");
        Run both = run("generate", "--model", stories("hf").toString(), "--prompt-ids", "1", "--max-new-tokens", "3",
                "--greedy", "--temperature", "0.5");
        assertThat(both.code()).isEqualTo(2);
        assertThat(both.err()).contains("--greedy cannot be combined");
        Run missing = run("generate", "--model", "/no/such/model", "--prompt-ids", "1", "--max-new-tokens", "3");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("/no/such/model: no such file or folder");
        Run neither = run("generate", "--model", stories("hf").toString(), "--max-new-tokens", "3");
        assertThat(neither.code()).isEqualTo(2);
    }
}
