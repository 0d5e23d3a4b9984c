package dev.lethe.eval.semeval;

import dev.lethe.engine.io.JsonRecords;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One LUME / SemEval-2025 Task 4 record ({@code id, input, output, task}; algorithms.md 9.2). The official scoring script
 * decides the kind by {@code id[:-1].endswith('sc')} (sentence completion, scored by ROUGE-L recall) or
 * {@code id[:-1].endswith('qa')} (question answering, scored by exact match); a record that is neither is not scored
 * ({@link Kind#OTHER}), exactly as the script ignores it.
 */
public record LumeItem(String id, String input, String output, String task) implements Serializable {

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

    /** What a LUME split holds, for error messages. */
    static final String FORMAT = "a LUME split: JSONL lines with id, input, output, task";

    /** Reads a LUME JSONL file (one object per line with string fields id, input, output, task; blank lines skipped). */
    public static List<LumeItem> read(Path file) throws IOException {
        List<LumeItem> out = new ArrayList<>();
        for (JsonRecords.Record r : JsonRecords.read(file, FORMAT)) {
            out.add(of(r));
        }
        return out;
    }

    /** The item of one record; a missing or non-string field is an error naming the file and the line. */
    public static LumeItem of(JsonRecords.Record r) {
        return new LumeItem(r.text("id"), r.text("input"), r.text("output"), r.text("task"));
    }
}
