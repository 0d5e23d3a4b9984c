package dev.lethe.eval.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lethe.engine.io.JsonRecords;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loss curves from a training metrics log in JSON lines (the optim Trainer's {@code metrics.jsonl}: one object per
 * step with {@code step} and scalars): every numeric field whose name contains "loss", against {@code step} (or the
 * line number when a line has none).
 */
public final class TrainingLog {

    private TrainingLog() {
    }

    /** Series name to points {step, value}, in file order. */
    public static Map<String, List<double[]>> lossCurves(Path jsonl) throws IOException {
        Map<String, List<double[]>> out = new LinkedHashMap<>();
        if (Files.isRegularFile(jsonl) && Files.readString(jsonl, StandardCharsets.UTF_8).isBlank()) {
            return out; // a run that has not logged a step yet
        }
        for (JsonRecords.Record r : JsonRecords.read(jsonl, "a training metrics log (JSON lines with \"step\" and"
                + " \"*loss*\")")) {
            JsonNode n = r.node();
            double x = n.path("step").isNumber() ? n.get("step").asDouble() : r.number();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getKey().toLowerCase().contains("loss") && f.getValue().isNumber()) {
                    out.computeIfAbsent(f.getKey(), k -> new ArrayList<>()).add(new double[] {x,
                            f.getValue().asDouble()});
                }
            }
        }
        return out;
    }
}
