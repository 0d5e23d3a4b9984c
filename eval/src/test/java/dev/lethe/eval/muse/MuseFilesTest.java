package dev.lethe.eval.muse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The MUSE input formats: JSON Lines or one JSON array, field aliases, and errors naming file, line and field. */
class MuseFilesTest {

    static final Path DIR = Path.of("src/test/resources/muse");

    @TempDir
    Path tmp;

    @Test
    void readsTheTestDataInBothLayouts() throws Exception {
        List<String> texts = MuseFiles.readTexts(DIR.resolve("forget.jsonl"), 0);
        assertThat(texts).hasSize(4);
        assertThat(texts.get(0)).startsWith("The lighthouse keeper");
        List<MuseData.QaPair> qa = MuseFiles.readQa(DIR.resolve("forget_qa.json"), 2);
        assertThat(qa).containsExactly(new MuseData.QaPair("What did Odile Varga paint?", "storms"),
                new MuseData.QaPair("Where did Varga keep her paintings?", "in a cedar chest"));
        assertThat(MuseFiles.readContinuations(DIR.resolve("verbmem.json"), 0)).hasSize(2).first()
                .isEqualTo(new MuseData.Continuation("The lighthouse keeper Odile Varga painted",
                        " every storm she watched from the tower."));
    }

    @Test
    void acceptsBareStringsAliasesAndNumbers() throws Exception {
        Path t = tmp.resolve("t.jsonl");
        Files.writeString(t, "\"first text\"\n\n{\"document\": \"second\"}\n{\"content\": \"third\", \"id\": 3}\n");
        assertThat(MuseFiles.readTexts(t, 0)).containsExactly("first text", "second", "third");
        Path a = tmp.resolve("a.json");
        Files.writeString(a, "  [\"x\", {\"text\": \"y\"}]");
        assertThat(MuseFiles.readTexts(a, 0)).containsExactly("x", "y");
        Path q = tmp.resolve("q.jsonl");
        Files.writeString(q, "{\"input\": \"How many?\", \"output\": 42}\n{\"query\": \"Who?\", \"gt\": \"Ann\"}\n");
        assertThat(MuseFiles.readQa(q, 0)).containsExactly(new MuseData.QaPair("How many?", "42"),
                new MuseData.QaPair("Who?", "Ann"));
        Path v = tmp.resolve("v.jsonl");
        Files.writeString(v, "{\"context\": \"Once\", \"continuation\": \" upon a time\"}\n");
        assertThat(MuseFiles.readContinuations(v, 0)).containsExactly(
                new MuseData.Continuation("Once", " upon a time"));
    }

    @Test
    void errorsNameFileLineAndField() throws Exception {
        Path q = tmp.resolve("bad_qa.jsonl");
        Files.writeString(q, "{\"question\": \"Q?\", \"answer\": \"A\"}\n{\"question\": \"Q2?\", \"reply\": \"B\"}\n");
        assertThatThrownBy(() -> MuseFiles.readQa(q, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(q + " line 2").hasMessageContaining("no field \"answer\"")
                .hasMessageContaining("[question, reply]").hasMessageContaining("rename");
        Path t = tmp.resolve("bad.jsonl");
        Files.writeString(t, "{\"text\": \"ok\"}\n{\"text\": \n");
        assertThatThrownBy(() -> MuseFiles.readTexts(t, 0)).hasMessageContaining(t + " line 2: not valid JSON");
        Path e = tmp.resolve("empty_text.json");
        Files.writeString(e, "[{\"text\": \"a\"}, {\"text\": \"  \"}]");
        assertThatThrownBy(() -> MuseFiles.readTexts(e, 0)).hasMessageContaining(e + " element 2")
                .hasMessageContaining("field \"text\" is empty");
        Path n = tmp.resolve("nested.jsonl");
        Files.writeString(n, "{\"text\": [\"a\"]}\n");
        assertThatThrownBy(() -> MuseFiles.readTexts(n, 0)).hasMessageContaining("field \"text\" must be a string");
        assertThatThrownBy(() -> MuseFiles.readTexts(tmp.resolve("missing.jsonl"), 0))
                .hasMessageContaining("no such file");
        Path blank = tmp.resolve("blank.jsonl");
        Files.writeString(blank, "\n\n");
        assertThatThrownBy(() -> MuseFiles.readQa(blank, 0)).hasMessageContaining("no records");
    }

    @Test
    void limitCountsRecords() throws Exception {
        assertThat(MuseFiles.readTexts(DIR.resolve("holdout.jsonl"), 2)).hasSize(2);
        assertThat(MuseFiles.readQa(DIR.resolve("retain_qa.jsonl"), 0)).hasSize(3);
    }

    @Test
    void dataNeedsSomethingToEvaluate() {
        assertThatThrownBy(() -> new MuseData(null, null, null, null, null, null, null))
                .hasMessageContaining("no MUSE inputs");
        assertThatThrownBy(() -> new MuseData(null, List.of("h"), null, null, null, null, null))
                .hasMessageContaining("without forget texts");
        assertThat(new MuseData(List.of("f"), List.of("h"), null, null, null, null, null).hasPrivLeak()).isTrue();
    }
}
