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
        forEachLine(file, "predictions ({\"id\": ..., \"generation\": ...} per line)", (n, line) -> {
            String id = LumeItem.text(n, "id", file, line);
            String gen = LumeItem.text(n, "generation", file, line);
            if (out.put(id, gen) != null) {
                throw new IllegalArgumentException(file + " line " + (line + 1) + ": id \"" + id + "\" repeats");
            }
        });
        return out;
    }

    /** Member and non-member NLLs from an MIA JSONL. */
    public static SemEvalScorer.MiaNlls readMia(Path file) throws IOException {
        List<Double> mem = new ArrayList<>();
        List<Double> non = new ArrayList<>();
        forEachLine(file, "MIA NLLs ({\"id\": ..., \"member\": true|false, \"nll\": 1.23} per line)", (n, line) -> {
            JsonNode m = n.get("member");
            JsonNode v = n.get("nll");
            if (m == null || !m.isBoolean()) {
                throw new IllegalArgumentException(file + " line " + (line + 1)
                        + ": field \"member\" is missing or not true/false");
            }
            if (v == null || !v.isNumber()) {
                throw new IllegalArgumentException(file + " line " + (line + 1)
                        + ": field \"nll\" is missing or not a number");
            }
            (m.asBoolean() ? mem : non).add(v.asDouble());
        });
        return new SemEvalScorer.MiaNlls(mem.stream().mapToDouble(Double::doubleValue).toArray(),
                non.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** Documents ({@code id, document}) of the official MIA files member.jsonl / nonmember.jsonl. */
    public static List<String> readDocuments(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        forEachLine(file, "MIA documents ({\"id\": ..., \"document\": ...} per line)",
                (n, line) -> out.add(LumeItem.text(n, "document", file, line)));
        return out;
    }

    interface LineHandler {
        void accept(JsonNode node, int line);
    }

    static void forEachLine(Path file, String what, LineHandler h) throws IOException {
        for (JsonRecords.Record r : JsonRecords.read(file, what)) {
            h.accept(r.node(), r.number() - 1);
        }
    }
}
