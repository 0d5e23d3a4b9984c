package dev.lethe.unlearn.data;

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
 * Reads JSON Lines files (one object per line; TOFU's ".json" files are JSON Lines too) or a single JSON array of
 * objects, validating as it goes: UTF-8, well-formed JSON, an object on every line. Errors name the file and the line.
 */
public final class JsonLines {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonLines() {
    }

    /** One parsed object with the file and line it came from, for error messages. */
    public record Row(JsonNode node, Path file, int line) {
        /** A required non-empty string field. */
        public String text(String field) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                throw new DataFormatException(file + " line " + line + ": missing field \"" + field
                        + "\"; every record needs it");
            }
            if (!v.isTextual()) {
                throw new DataFormatException(file + " line " + line + ": field \"" + field + "\" must be a string, got "
                        + v.getNodeType().toString().toLowerCase());
            }
            return v.asText();
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
        if (!Files.isRegularFile(file)) {
            throw new DataFormatException(file + ": no such file");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new DataFormatException(file + ": not valid UTF-8; re-save the file as UTF-8", e);
        }
        List<Row> rows = new ArrayList<>();
        String trimmed = text.stripLeading();
        if (trimmed.startsWith("[")) {
            JsonNode arr = parse(text, file, 1);
            int i = 0;
            for (JsonNode n : arr) {
                i++;
                if (!n.isObject()) {
                    throw new DataFormatException(file + " element " + i + ": expected a JSON object");
                }
                rows.add(new Row(n, file, i));
            }
            return rows;
        }
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) {
                continue;
            }
            JsonNode n = parse(line, file, i + 1);
            if (!n.isObject()) {
                throw new DataFormatException(file + " line " + (i + 1) + ": expected a JSON object per line");
            }
            rows.add(new Row(n, file, i + 1));
        }
        if (rows.isEmpty()) {
            throw new DataFormatException(file + ": no records; expected JSON Lines (one object per line)");
        }
        return rows;
    }

    private static JsonNode parse(String s, Path file, int line) {
        try {
            return JSON.readTree(s);
        } catch (JsonProcessingException e) {
            throw new DataFormatException(file + " line " + line + ": not well-formed JSON (" + e.getOriginalMessage()
                    + ")", e);
        }
    }
}
