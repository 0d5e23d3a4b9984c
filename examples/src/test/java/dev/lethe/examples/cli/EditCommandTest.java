package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.engine.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lethe edit} on the gpt2 fixture: a loadable edited model and edits.json; bad input as one-line errors. */
class EditCommandTest {
    @Test
    void romeEditWritesModelAndEditsJson(@TempDir Path dir) throws Exception {
        Path fixture = SharedFiles.path("fixtures/hf/gpt2");
        Path edits = dir.resolve("edits.jsonl");
        Files.writeString(edits, "{\"prompt\": \"The default encoding of {}\", \"subject\": \"open\","
                + " \"target_new\": \"bytes\"}\n");
        Path corpus = dir.resolve("corpus.txt");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            sb.append("The value returned by the method ").append(i).append(" is a string of bytes and text.\n");
        }
        Files.writeString(corpus, sb.toString());
        Path out = dir.resolve("run");
        CliRun r = CliRun.of("edit", "--model", fixture.toString(), "--method", "rome", "--edits", edits.toString(),
                "--stats-corpus", corpus.toString(), "--stats-cache", dir.resolve("cache").toString(),
                "--set", "valueSteps=10", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(out.resolve("model.safetensors")).exists();
        assertThat(out.resolve("config.json")).exists();
        JsonNode json = new ObjectMapper().readTree(out.resolve("edits.json").toFile());
        assertThat(json.get("method").asText()).isEqualTo("rome");
        assertThat(json.get("edits").get(0).get("text").asText()).isEqualTo("The default encoding of open");
        assertThat(json.get("edits").get(0).get("contextual").asBoolean()).isFalse();
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".partial-"));
        }

        CliRun again = CliRun.of("edit", "--model", fixture.toString(), "--method", "rome", "--edits",
                edits.toString(), "--stats-corpus", corpus.toString(), "--layers", "5", "--out",
                dir.resolve("run2").toString());
        assertThat(again.code()).isNotZero();
        assertThat(again.err()).contains("layer 5 is out of range");
    }
}
