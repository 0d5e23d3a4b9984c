package dev.lethe.eval.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * The JSON conventions of Lethe's reports: snake_case field names (Python-friendly), pretty printed, NaN written as
 * the string "NaN" (Jackson's default), null fields kept so every report has the same shape.
 */
public final class Json {

    private Json() {
    }

    /** A fresh mapper with the report conventions. */
    public static ObjectMapper mapper() {
        return new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(SerializationFeature.INDENT_OUTPUT);
    }

    /**
     * The head every report.json starts with: {@code benchmark}, {@code created} (now), {@code model} (folder and,
     * when given, the checksum of its files) and {@code settings}; the caller adds {@code headline} and the results.
     */
    public static ObjectNode reportHeader(String benchmark, Path modelDir, ModelChecksum checksum,
                                          Map<String, Object> settings) {
        ObjectMapper m = mapper();
        ObjectNode root = m.createObjectNode();
        root.put("benchmark", benchmark);
        root.put("created", Instant.now().toString());
        ObjectNode model = root.putObject("model");
        model.put("dir", modelDir == null ? null : modelDir.toString());
        if (checksum != null) {
            model.put("sha256", checksum.sha256());
            model.set("files", m.valueToTree(checksum.files()));
        }
        root.set("settings", m.valueToTree(settings));
        return root;
    }

    /** Reads a report: {@code path} is report.json or a folder holding one. */
    public static JsonNode readReport(Path path) throws IOException {
        Path file = Files.isDirectory(path) ? path.resolve("report.json") : path;
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no report.json here; pass the --out folder of an earlier 'lethe eval' run"
                    + " or its report.json");
        }
        return mapper().readTree(file.toFile());
    }
}
