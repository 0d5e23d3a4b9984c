package dev.lethe.unlearn.data;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lethe.engine.io.JsonRecords;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads JSON Lines files (one object per line; TOFU's ".json" files are JSON Lines too) or a single JSON array of
 * objects, validating as it goes: UTF-8, well-formed JSON, an object on every line. Errors name the file and the line.
 * Reading is {@link JsonRecords}'s; this class adds the object check and the typed field accessors.
 */
public final class JsonLines {
    private JsonLines() {
    }

    /** One parsed object with the file and line it came from, for error messages. */
    public record Row(JsonNode node, Path file, int line) {
        /** A required string field ({@link JsonRecords.Record#text}'s check, as a {@link DataFormatException}). */
        public String text(String field) {
            try {
                return new JsonRecords.Record(node, file, line, false, null).text(field);
            } catch (IllegalArgumentException e) {
                throw new DataFormatException(e.getMessage(), e);
            }
        }

        /** An optional string field (null when absent). */
        public String optionalText(String field) {
            JsonNode v = node.get(field);
            return v == null || v.isNull() ? null : text(field);
        }

        /** An optional list of strings (empty when absent). */
        public List<String> texts(String field) {
            JsonNode v = node.get(field);
            List<String> out = new ArrayList<>();
            if (v == null || v.isNull()) {
                return out;
            }
            if (!v.isArray()) {
                throw new DataFormatException(file + " line " + line + ": field \"" + field + "\" must be a list of strings");
            }
            for (JsonNode e : v) {
                if (!e.isTextual()) {
                    throw new DataFormatException(file + " line " + line + ": field \"" + field
                            + "\" must contain only strings");
                }
                out.add(e.asText());
            }
            return out;
        }
    }

    public static List<Row> read(Path file) throws IOException {
        List<JsonRecords.Record> records;
        try {
            records = JsonRecords.read(file, "JSON Lines (one object per line) or a JSON array of objects");
        } catch (IllegalArgumentException e) {
            throw new DataFormatException(e.getMessage(), e);
        }
        List<Row> rows = new ArrayList<>();
        for (JsonRecords.Record r : records) {
            if (!r.node().isObject()) {
                throw new DataFormatException(r.at() + ": expected a JSON object" + (r.element() ? "" : " per line"));
            }
            rows.add(new Row(r.node(), file, r.number()));
        }
        return rows;
    }
}
