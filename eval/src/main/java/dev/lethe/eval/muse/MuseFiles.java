package dev.lethe.eval.muse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lethe.engine.io.JsonRecords;
import dev.lethe.engine.io.JsonRecords.Record;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads MUSE-style input files. Each file is either JSON Lines (one record per line, blank lines skipped) or one JSON
 * array of records, so MUSE's own {@code privleak/forget.json}, {@code knowmem/forget_qa.json} and
 * {@code verbmem/forget.json} are read as they are. Records:
 * <ul>
 *   <li>texts: a JSON string, or an object with {@code text} (also {@code document}, {@code content});</li>
 *   <li>QA: an object with {@code question} (also {@code query}, {@code input}, {@code q}) and {@code answer} (also
 *       {@code output}, {@code gt}, {@code target}, {@code a}); a numeric answer is read as its text;</li>
 *   <li>VerbMem: an object with {@code prompt} (also {@code input}, {@code context}) and {@code gt} (also
 *       {@code continuation}, {@code completion}, {@code target}, {@code output}).</li>
 * </ul>
 * Errors name the file, the line (or array element) and the field, and say how to fix it.
 */
public final class MuseFiles {

    static final List<String> TEXT = List.of("text", "document", "content");
    static final List<String> QUESTION = List.of("question", "query", "input", "q");
    static final List<String> ANSWER = List.of("answer", "output", "gt", "target", "a");
    static final List<String> PROMPT = List.of("prompt", "input", "context");
    static final List<String> CONTINUATION = List.of("gt", "continuation", "completion", "target", "output");

    private MuseFiles() {
    }

    /** Documents of a text file (at most {@code limit}, 0 = all). */
    public static List<String> readTexts(Path file, int limit) throws IOException {
        List<String> out = new ArrayList<>();
        for (Record r : records(file, limit, "texts ({\"text\": \"...\"} per line, or a JSON array of strings)")) {
            out.add(r.node().isTextual() ? nonEmpty(r, r.node().asText(), "the text") : field(r, TEXT));
        }
        return out;
    }

    /** Question/answer pairs of a QA file (at most {@code limit}, 0 = all). */
    public static List<MuseData.QaPair> readQa(Path file, int limit) throws IOException {
        List<MuseData.QaPair> out = new ArrayList<>();
        for (Record r : records(file, limit, "QA pairs ({\"question\": \"...\", \"answer\": \"...\"} per line)")) {
            out.add(new MuseData.QaPair(field(r, QUESTION), field(r, ANSWER)));
        }
        return out;
    }

    /** Prompt/continuation pairs of a VerbMem file (at most {@code limit}, 0 = all). */
    public static List<MuseData.Continuation> readContinuations(Path file, int limit) throws IOException {
        List<MuseData.Continuation> out = new ArrayList<>();
        for (Record r : records(file, limit, "VerbMem items ({\"prompt\": \"...\", \"gt\": \"...\"} per line)")) {
            out.add(new MuseData.Continuation(field(r, PROMPT), field(r, CONTINUATION)));
        }
        return out;
    }

    static List<Record> records(Path file, int limit, String what) throws IOException {
        return JsonRecords.read(file, what, limit);
    }

    /** The first present field of {@code names}, as non-empty text. */
    static String field(Record r, List<String> names) {
        JsonNode n = r.node();
        if (!n.isObject()) {
            throw new IllegalArgumentException(r.at() + ": expected a JSON object with \"" + names.get(0)
                    + "\", got " + n.getNodeType().name().toLowerCase());
        }
        for (String name : names) {
            JsonNode v = n.get(name);
            if (v == null) {
                continue;
            }
            if (!v.isValueNode() || v.isNull()) {
                throw new IllegalArgumentException(r.at() + ": field \"" + name + "\" must be a string, got "
                        + v.getNodeType().name().toLowerCase());
            }
            return nonEmpty(r, v.asText(), "field \"" + name + "\"");
        }
        List<String> found = new ArrayList<>();
        n.fieldNames().forEachRemaining(found::add);
        throw new IllegalArgumentException(r.at() + ": no field \"" + names.get(0) + "\" (also accepted: "
                + String.join(", ", names.subList(1, names.size())) + "); the record has " + found
                + "; rename the field to \"" + names.get(0) + "\"");
    }

    private static String nonEmpty(Record r, String s, String what) {
        if (s.isBlank()) {
            throw new IllegalArgumentException(r.at() + ": " + what + " is empty; remove the record or fill it in");
        }
        return s;
    }
}
