package dev.lethe.engine.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonRecordsTest {
    @TempDir
    Path tmp;

    @Test
    void readsJsonLinesSkippingBlankLinesAndKeepsTheLineNumbers() throws Exception {
        Path f = tmp.resolve("a.jsonl");
        Files.writeString(f, "{\"x\": 1}\n\n  {\"x\": 2}  \n\"text\"\n");
        List<JsonRecords.Record> r = JsonRecords.read(f, "x records");
        assertThat(r).hasSize(3);
        assertThat(r.get(0).node().get("x").asInt()).isEqualTo(1);
        assertThat(r.get(1).number()).isEqualTo(3);
        assertThat(r.get(1).at()).isEqualTo(f + " line 3");
        assertThat(r.get(2).node().asText()).isEqualTo("text");
        assertThat(JsonRecords.read(f, "x records", 2)).hasSize(2);
        assertThat(r.get(1).source()).isEqualTo("  {\"x\": 2}  ");
    }

    @Test
    void fieldAccessorsNameTheFileTheLineAndTheField() throws Exception {
        Path f = tmp.resolve("f.jsonl");
        Files.writeString(f, "{\"a\": \"x\", \"n\": 3, \"z\": null}\r\n");
        JsonRecords.Record r = JsonRecords.read(f, "x records").get(0);
        assertThat(r.source()).isEqualTo("{\"a\": \"x\", \"n\": 3, \"z\": null}");
        assertThat(r.text("a")).isEqualTo("x");
        assertThat(r.optionalText("z")).isNull();
        assertThat(r.optionalText("absent")).isNull();
        assertThatThrownBy(() -> r.text("b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(f + " line 1: missing field \"b\"; every record needs it");
        assertThatThrownBy(() -> r.text("n")).hasMessage(f + " line 1: field \"n\" must be a string, got number");
        assertThatThrownBy(() -> r.optionalText("n")).hasMessageContaining("must be a string");
    }

    @Test
    void readsOneJsonArrayAsElements() throws Exception {
        Path f = tmp.resolve("a.json");
        Files.writeString(f, "  [{\"x\": 1},\n {\"x\": 2}, {\"x\": 3}]");
        List<JsonRecords.Record> r = JsonRecords.read(f, "x records");
        assertThat(r).extracting(x -> x.node().get("x").asInt()).containsExactly(1, 2, 3);
        assertThat(r.get(2).where()).isEqualTo("element 3");
        assertThat(JsonRecords.read(f, "x records", 1)).hasSize(1);
    }

    @Test
    void errorsNameTheFileTheLineAndWhatWasExpected() throws Exception {
        Path bad = tmp.resolve("bad.jsonl");
        Files.writeString(bad, "{\"x\": 1}\n{\"x\": \n");
        assertThatThrownBy(() -> JsonRecords.read(bad, "x records")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(bad + " line 2: not valid JSON").hasMessageContaining("expected x records");
        Path arr = tmp.resolve("bad.json");
        Files.writeString(arr, "[{\"x\": 1},");
        assertThatThrownBy(() -> JsonRecords.read(arr, "x records"))
                .hasMessageContaining(arr + ": starts with '[' but is not a valid JSON array");
        Path blank = tmp.resolve("blank.jsonl");
        Files.writeString(blank, "\n \n");
        assertThatThrownBy(() -> JsonRecords.read(blank, "x records")).hasMessageContaining(blank + ": no records");
        assertThatThrownBy(() -> JsonRecords.read(tmp.resolve("none.jsonl"), "x records"))
                .hasMessageContaining("none.jsonl: no such file (expected x records)");
        Path latin1 = tmp.resolve("latin1.jsonl");
        Files.write(latin1, "{\"x\": \"caf\u00e9\"}\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> JsonRecords.read(latin1, "x records")).hasMessageContaining("not valid UTF-8");
    }
}
