package dev.lethe.unlearn.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A raw-text record as LUME / SemEval-2025 Task 4 stores it: id, input (prompt), output (continuation or answer) and
 * task; also plain text records ({@code {"text": ...}}), read as an empty input and the text as output.
 */
public record TextRecord(String id, String input, String output, String task) {
    public static List<TextRecord> read(Path file) throws IOException {
        List<TextRecord> out = new ArrayList<>();
        for (JsonLines.Row r : JsonLines.read(file)) {
            if (r.node().has("text") && !r.node().has("output")) {
                out.add(new TextRecord(String.valueOf(r.line()), "", r.text("text"), null));
            } else {
                out.add(new TextRecord(r.node().has("id") ? r.node().get("id").asText() : String.valueOf(r.line()),
                        r.text("input"), r.text("output"), r.optionalText("task")));
            }
        }
        return out;
    }

    /** The record as a prompt/answer pair (the output is the scored part). */
    public QaRecord asQa() {
        return QaRecord.of(input, output);
    }
}
