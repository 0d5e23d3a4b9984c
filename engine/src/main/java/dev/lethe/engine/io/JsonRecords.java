package dev.lethe.engine.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The one reader of record files: JSON Lines (one value per line, blank lines skipped) or a single JSON array, as
 * UTF-8. Every record keeps its file and its line (or array element) number so that callers' errors can say where.
 * Failures are {@link IllegalArgumentException}s whose message names the file, the line and the fix; {@code what}
 * describes the expected content (e.g. {@code "JSON lines with \"prediction\" and \"reference\""}).
 */
public final class JsonRecords {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonRecords() {
    }

    /**
     * One parsed value; {@code number} is 1-based, counting lines of a JSON Lines file or elements of an array;
     * {@code source} is the line as written (without its line end), or the element's JSON for an array.
     */
    public record Record(JsonNode node, Path file, int number, boolean element, String source) {
        /** "line 3" or "element 3". */
        public String where() {
            return (element ? "element " : "line ") + number;
        }

        /** The file and {@link #where()}, the prefix of an error message. */
        public String at() {
            return file + " " + where();
        }

        /** The string at {@code field} of this object; a missing, null or non-string value is an error naming it. */
        public String text(String field) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                throw new IllegalArgumentException(at() + ": missing field \"" + field + "\"; every record needs it");
            }
            if (!v.isTextual()) {
                throw new IllegalArgumentException(at() + ": field \"" + field + "\" must be a string, got "
                        + v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT));
            }
            return v.asText();
        }

        /** The string at {@code field}, or null when the field is absent or null. */
        public String optionalText(String field) {
            JsonNode v = node.get(field);
            return v == null || v.isNull() ? null : text(field);
        }
    }

    /** Every record of {@code file}; at least one. */
    public static List<Record> read(Path file, String what) throws IOException {
        return read(file, what, 0);
    }

    /** The first {@code limit} records of {@code file} (all when {@code limit} is 0); at least one. */
    public static List<Record> read(Path file, String what, int limit) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": no such file (expected " + what + ")");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(file + ": not valid UTF-8; re-save the file as UTF-8", e);
        }
        List<Record> out = new ArrayList<>();
        if (text.stripLeading().startsWith("[")) {
            JsonNode arr;
            try {
                arr = JSON.readTree(text);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(file + ": starts with '[' but is not a valid JSON array ("
                        + e.getOriginalMessage() + "); write one JSON array, or JSON Lines with one record per line",
                        e);
            }
            for (int i = 0; i < arr.size() && (limit == 0 || out.size() < limit); i++) {
                out.add(new Record(arr.get(i), file, i + 1, true, arr.get(i).toString()));
            }
        } else {
            String[] lines = text.split("\n", -1);
            for (int i = 0; i < lines.length && (limit == 0 || out.size() < limit); i++) {
                String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
                String s = line.strip();
                if (s.isEmpty()) {
                    continue;
                }
                try {
                    out.add(new Record(JSON.readTree(s), file, i + 1, false, line));
                } catch (JsonProcessingException e) {
                    throw new IllegalArgumentException(file + " line " + (i + 1) + ": not valid JSON ("
                            + e.getOriginalMessage() + "); expected " + what, e);
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + ": no records; expected " + what);
        }
        return out;
    }
}
