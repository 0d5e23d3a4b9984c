package dev.lethe.unlearn.edit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Writes an edit's run folder: the edited model (Hugging Face folder) and {@code edits.json} (every applied edit,
 * contextual ones marked, wall times). The folder appears atomically: everything is written to a sibling staging
 * folder that is renamed into place at the end, so a reader never sees half a run.
 */
public final class EditRun {
    private EditRun() {
    }

    public static void write(Editor.Result result, EditSettings settings, Path out) throws IOException {
        Path abs = out.toAbsolutePath();
        if (Files.exists(abs) && !isEmptyDir(abs)) {
            throw new IOException(out + " exists and is not empty: choose a new --out folder");
        }
        Files.createDirectories(abs.getParent());
        Path staging = Files.createTempDirectory(abs.getParent(), abs.getFileName() + ".partial-");
        try {
            result.model().save(staging);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValue(staging.resolve("edits.json").toFile(), json(result, settings));
            Files.deleteIfExists(abs);
            Files.move(staging, abs, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            deleteTree(staging);
            throw e;
        }
    }

    static Map<String, Object> json(Editor.Result result, EditSettings s) {
        List<Map<String, Object>> edits = new ArrayList<>();
        for (Editor.AppliedEdit e : result.edits()) {
            EditRequest r = e.request();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("prompt", r.prompt());
            m.put("subject", r.subject());
            m.put("text", r.text());
            m.put("target_new", r.targetNew());
            m.put("target_true", r.targetTrue());
            m.put("relation_id", r.relation());
            m.put("contextual", !r.origin().equals("requested"));
            m.put("origin", r.origin());
            m.put("method", e.method());
            m.put("layers", e.layers());
            m.put("target_nll", e.targetNll());
            m.put("value_steps", e.valueSteps());
            edits.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("method", s.method().name().toLowerCase(java.util.Locale.ROOT));
        out.put("requested", edits.stream().filter(m -> !(Boolean) m.get("contextual")).count());
        out.put("contextual", edits.stream().filter(m -> (Boolean) m.get("contextual")).count());
        out.put("stats_seconds", result.statsSeconds());
        out.put("edit_seconds", result.editSeconds());
        out.put("settings", s);
        out.put("edits", edits);
        return out;
    }

    private static boolean isEmptyDir(Path p) throws IOException {
        if (!Files.isDirectory(p)) {
            return false;
        }
        try (Stream<Path> s = Files.list(p)) {
            return s.findAny().isEmpty();
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }
}
