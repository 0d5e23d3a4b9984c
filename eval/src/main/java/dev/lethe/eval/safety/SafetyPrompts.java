package dev.lethe.eval.safety;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.lethe.engine.io.JsonRecords;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads prompt files as they are published: XSTest's {@code xstest_prompts.csv} (columns {@code id,prompt,type,label}),
 * HarmBench's behaviour CSV (columns {@code Behavior,SemanticCategory,BehaviorID}; every row unsafe), any other CSV
 * with a {@code prompt} column, or JSON lines with a {@code prompt} field (optional {@code id}, {@code label}
 * safe|unsafe, {@code category}). Errors name the file, the row and the missing column.
 */
public final class SafetyPrompts {
    private SafetyPrompts() {
    }

    /** Reads a prompts file, choosing the format by extension (.csv, else JSON lines) and, for CSV, by its header. */
    public static List<SafetyPrompt> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": no such prompts file");
        }
        List<SafetyPrompt> out = file.getFileName().toString().toLowerCase().endsWith(".csv") ? readCsv(file)
                : readJsonLines(file);
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + ": no prompts (the file has a header but no rows)");
        }
        return out;
    }

    /** The first {@code limit} prompts (all when limit is 0). */
    public static List<SafetyPrompt> read(Path file, int limit) throws IOException {
        List<SafetyPrompt> all = read(file);
        return limit > 0 && limit < all.size() ? List.copyOf(all.subList(0, limit)) : all;
    }

    private static List<SafetyPrompt> readCsv(Path file) throws IOException {
        List<Map<String, String>> rows = new ArrayList<>();
        CsvMapper m = new CsvMapper();
        try (MappingIterator<Map<String, String>> it = m.readerForMapOf(String.class)
                .with(CsvSchema.emptySchema().withHeader()).readValues(file.toFile())) {
            while (it.hasNext()) {
                rows.add(it.next());
            }
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + ": not a readable CSV file (" + e.getMessage() + ")", e);
        }
        List<SafetyPrompt> out = new ArrayList<>();
        if (rows.isEmpty()) {
            return out;
        }
        boolean harmBench = rows.get(0).containsKey("Behavior");
        String textColumn = harmBench ? "Behavior" : "prompt";
        for (int i = 0; i < rows.size(); i++) {
            Map<String, String> r = rows.get(i);
            int line = i + 2;
            String text = cell(r, textColumn, file, line, harmBench);
            if (harmBench) {
                String id = r.getOrDefault("BehaviorID", "");
                out.add(new SafetyPrompt(id.isBlank() ? String.valueOf(i + 1) : id, text, true,
                        r.getOrDefault("SemanticCategory", "")));
            } else {
                String id = r.getOrDefault("id", "");
                out.add(new SafetyPrompt(id.isBlank() ? String.valueOf(i + 1) : id, text,
                        unsafe(r.get("label"), file, "row " + line), r.getOrDefault("type", "")));
            }
        }
        return out;
    }

    private static String cell(Map<String, String> row, String column, Path file, int line, boolean harmBench) {
        String v = row.get(column);
        if (v == null) {
            throw new IllegalArgumentException(file + ": missing column '" + column + "' (header has " + row.keySet()
                    + "); a prompts CSV needs a 'prompt' column (XSTest) or 'Behavior' (HarmBench)");
        }
        if (v.isBlank()) {
            throw new IllegalArgumentException(file + " row " + line + ": empty '" + column + "'"
                    + (harmBench ? "" : "; every row needs a prompt"));
        }
        return v;
    }

    private static boolean unsafe(String label, Path file, String where) {
        if (label == null || label.isBlank() || label.equals("safe")) {
            return false;
        }
        if (label.equals("unsafe")) {
            return true;
        }
        throw new IllegalArgumentException(file + " " + where + ": label must be 'safe' or 'unsafe', got '" + label
                + "'");
    }

    private static List<SafetyPrompt> readJsonLines(Path file) throws IOException {
        List<SafetyPrompt> out = new ArrayList<>();
        for (JsonRecords.Record r : JsonRecords.read(file, "JSON lines with a \"prompt\" field")) {
            JsonNode n = r.node();
            JsonNode p = n.get("prompt");
            if (p == null || !p.isTextual() || p.asText().isBlank()) {
                throw new IllegalArgumentException(r.at() + ": missing field \"prompt\"; every line needs {\"prompt\":"
                        + " \"...\"}");
            }
            String id = n.hasNonNull("id") ? n.get("id").asText() : String.valueOf(out.size() + 1);
            out.add(new SafetyPrompt(id, p.asText(), unsafe(n.path("label").asText(null), file, r.where()),
                    n.path("category").asText("")));
        }
        return out;
    }
}
