package dev.lethe.eval.semeval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lethe.engine.io.JsonRecords;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Saved SemEval inputs: the LUME data folder ({@code forget.jsonl}, {@code retain.jsonl}), predictions
 * ({@code {"id": "...", "generation": "..."}} per line) and MIA NLLs ({@code {"id": "...", "member": true|false,
 * "nll": 1.23}} per line), so generations from any tool are scored by {@link SemEvalScorer}.
 */
public final class SemEvalFiles {

    private SemEvalFiles() {
    }

    /** {forget, retain} from a folder holding forget.jsonl and retain.jsonl; ids must be unique over both. */
    public static List<List<LumeItem>> readData(Path dir) throws IOException {
        for (String n : List.of("forget.jsonl", "retain.jsonl")) {
            if (!Files.isRegularFile(dir.resolve(n))) {
                throw new IllegalArgumentException(dir.resolve(n) + ": missing; --data must be a LUME folder with"
                        + " forget.jsonl and retain.jsonl (lines with id, input, output, task)");
            }
        }
        List<LumeItem> f = LumeItem.read(dir.resolve("forget.jsonl"));
        List<LumeItem> r = LumeItem.read(dir.resolve("retain.jsonl"));
        Map<String, String> seen = new LinkedHashMap<>();
        for (List<LumeItem> s : List.of(f, r)) {
            String name = s == f ? "forget.jsonl" : "retain.jsonl";
            for (LumeItem it : s) {
                String prev = seen.put(it.id(), name);
                if (prev != null) {
                    throw new IllegalArgumentException(dir + ": id \"" + it.id() + "\" occurs twice (" + prev + " and "
                            + name + "); predictions are matched by id, so ids must be unique");
                }
            }
        }
        return List.of(f, r);
    }

    /** id to generation from a predictions JSONL; a repeated id is an error. */
    public static Map<String, String> readPredictions(Path file) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonRecords.Record r : JsonRecords.read(file, "predictions ({\"id\": ..., \"generation\": ...} per line)")) {
            String id = r.text("id");
            if (out.put(id, r.text("generation")) != null) {
                throw new IllegalArgumentException(r.at() + ": id \"" + id + "\" repeats");
            }
        }
        return out;
    }

    /** Member and non-member NLLs from an MIA JSONL. */
    public static SemEvalScorer.MiaNlls readMia(Path file) throws IOException {
        List<Double> mem = new ArrayList<>();
        List<Double> non = new ArrayList<>();
        for (JsonRecords.Record r : JsonRecords.read(file, "MIA NLLs ({\"id\": ..., \"member\": true|false, \"nll\":"
                + " 1.23} per line)")) {
            JsonNode m = r.node().get("member");
            JsonNode v = r.node().get("nll");
            if (m == null || !m.isBoolean()) {
                throw new IllegalArgumentException(r.at() + ": field \"member\" is missing or not true/false");
            }
            if (v == null || !v.isNumber()) {
                throw new IllegalArgumentException(r.at() + ": field \"nll\" is missing or not a number");
            }
            (m.asBoolean() ? mem : non).add(v.asDouble());
        }
        return new SemEvalScorer.MiaNlls(mem.stream().mapToDouble(Double::doubleValue).toArray(),
                non.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** Documents of the official MIA files member.jsonl / nonmember.jsonl. */
    public static List<String> readDocuments(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        for (MiaDocument d : readMiaDocuments(file)) {
            out.add(d.document());
        }
        return out;
    }

    /** One line of an official MIA file: {@code {"id": ..., "document": ...}}. */
    public record MiaDocument(String id, String document) {
    }

    /** The {@code id, document} lines of an official MIA file (member.jsonl / nonmember.jsonl), in order. */
    public static List<MiaDocument> readMiaDocuments(Path file) throws IOException {
        List<MiaDocument> out = new ArrayList<>();
        for (JsonRecords.Record r : JsonRecords.read(file, "MIA documents ({\"id\": ..., \"document\": ...} per line)")) {
            out.add(new MiaDocument(r.text("id"), r.text("document")));
        }
        return out;
    }
}
