package dev.lethe.unlearn.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A preference pair for DPO: a prompt, the chosen (preferred) answer and the rejected one, read from JSON lines with
 * fields {@code prompt}, {@code chosen}, {@code rejected} (the layout of {@code lethe aidsafe pairs} and of common
 * preference data sets).
 */
public record PreferenceRecord(String prompt, String chosen, String rejected) {

    public static List<PreferenceRecord> read(Path file) throws IOException {
        List<PreferenceRecord> out = new ArrayList<>();
        for (JsonLines.Row r : JsonLines.read(file)) {
            out.add(new PreferenceRecord(r.text("prompt"), r.text("chosen"), r.text("rejected")));
        }
        if (out.isEmpty()) {
            throw new DataFormatException(file + ": no preference pairs (expected JSON lines with prompt, chosen,"
                    + " rejected)");
        }
        return out;
    }
}
