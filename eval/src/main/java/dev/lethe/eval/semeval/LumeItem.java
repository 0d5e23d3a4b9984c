package dev.lethe.eval.semeval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One LUME / SemEval-2025 Task 4 record ({@code id, input, output, task}; algorithms.md 9.2). The official scoring script
 * decides the kind by {@code id[:-1].endswith('sc')} (sentence completion, scored by ROUGE-L recall) or
 * {@code id[:-1].endswith('qa')} (question answering, scored by exact match); a record that is neither is not scored
 * ({@link Kind#OTHER}), exactly as the script ignores it.
 */
public record LumeItem(String id, String input, String output, String task) {

    /** How the official script scores an item. */
    public enum Kind { SC, QA, OTHER }

    public LumeItem {
        if (id == null || input == null || output == null || task == null) {
            throw new IllegalArgumentException("LUME item needs id, input, output and task");
        }
    }

    /** The kind by the official rule on the id (all but its last character ends in "sc" or "qa"). */
    public Kind kind() {
        return kindOf(id);
    }

    /** {@code id[:-1].endswith('sc' | 'qa')}. */
    public static Kind kindOf(String id) {
        String head = id.isEmpty() ? "" : id.substring(0, id.length() - 1);
        if (head.endsWith("sc")) {
            return Kind.SC;
        }
        if (head.endsWith("qa")) {
            return Kind.QA;
        }
        return Kind.OTHER;
    }

    /** Reads a LUME JSONL file (one object per line with string fields id, input, output, task; blank lines skipped). */
    public static List<LumeItem> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": no such file (a LUME split: JSONL lines with id, input,"
                    + " output, task)");
        }
        ObjectMapper m = new ObjectMapper();
        List<LumeItem> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            JsonNode n;
            try {
                n = m.readTree(line);
            } catch (IOException e) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": not valid JSON (" + e.getMessage()
                        + ")");
            }
            out.add(new LumeItem(text(n, "id", file, i), text(n, "input", file, i), text(n, "output", file, i),
                    text(n, "task", file, i)));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + ": no records");
        }
        return out;
    }

    static String text(JsonNode n, String field, Path file, int line) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull() || !v.isValueNode()) {
            throw new IllegalArgumentException(file + " line " + (line + 1) + ": field \"" + field
                    + "\" is missing or not a string");
        }
        return v.asText();
    }
}
