package dev.lethe.unlearn.edit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads edit requests and knowledge graphs. Edits: MQuAKE records (every {@code requested_rewrite} entry),
 * CounterFact records ({@code requested_rewrite} as one object), or JSONL lines
 * {@code {"prompt": "{} was performed by", "subject", "target_new", "target_true"?, "relation_id"?}} (targets as strings
 * or {@code {"str": ...}}). Graphs: MQuAKE records (their {@code orig.triples} with labels, relations spoken with
 * MQuAKE's cloze templates {@code "[X] ... __"}), or JSONL triples {@code {"subject", "relation", "object"}} plus
 * relation lines {@code {"relation", "template": "{} was performed by", "label": "performer"}}.
 */
public final class EditFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private EditFiles() {
    }

    public static List<EditRequest> readEdits(Path file) throws IOException {
        List<EditRequest> out = new ArrayList<>();
        int i = 0;
        for (JsonNode rec : records(file)) {
            i++;
            JsonNode rw = rec.get("requested_rewrite");
            try {
                if (rw == null) {
                    out.add(request(rec));
                } else if (rw.isArray()) {
                    rw.forEach(r -> out.add(request(r)));
                } else {
                    out.add(request(rw));
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ", record " + i + ": " + e.getMessage());
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + ": no edit requests found");
        }
        return out;
    }

    private static EditRequest request(JsonNode r) {
        return new EditRequest(text(r, "prompt"), text(r, "subject"), target(r.get("target_new")),
                target(r.get("target_true")), r.hasNonNull("relation_id") ? r.get("relation_id").asText() : null, null);
    }

    private static String target(JsonNode n) {
        return n == null || n.isNull() ? null : n.isObject() ? n.path("str").asText(null) : n.asText();
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("field \"" + field + "\" is missing or not a string");
        }
        return v.asText();
    }

    /**
     * A knowledge graph from MQuAKE records (relation templates from {@code clozeTemplates}, MQuAKE's
     * prompts/templates/cloze_templates.json) or from JSONL triples and relation lines ({@code clozeTemplates} null).
     */
    public static KnowledgeGraph readGraph(Path file, Path clozeTemplates) throws IOException {
        List<JsonNode> recs = records(file);
        Map<String, KnowledgeGraph.Relation> relations = new LinkedHashMap<>();
        List<KnowledgeGraph.Triple> triples = new ArrayList<>();
        Map<String, String> templates = clozeTemplates == null ? Map.of() : clozeTemplates(clozeTemplates);
        for (JsonNode rec : recs) {
            JsonNode orig = rec.get("orig");
            if (orig != null) {
                JsonNode ids = orig.get("triples");
                JsonNode labels = orig.get("triples_labeled");
                for (int i = 0; i < ids.size(); i++) {
                    String rel = ids.get(i).get(1).asText();
                    String template = templates.get(rel);
                    if (template == null) {
                        throw new IllegalArgumentException(file + ": unknown relation " + rel + " (no cloze template"
                                + " for it" + (clozeTemplates == null ? "; pass --kg-templates cloze_templates.json)"
                                : " in " + clozeTemplates + ")"));
                    }
                    relations.putIfAbsent(rel, new KnowledgeGraph.Relation(rel, template,
                            labels.get(i).get(1).asText()));
                    triples.add(new KnowledgeGraph.Triple(labels.get(i).get(0).asText(), rel,
                            labels.get(i).get(2).asText()));
                }
            } else if (rec.has("template")) {
                String rel = text(rec, "relation");
                relations.put(rel, new KnowledgeGraph.Relation(rel, text(rec, "template"),
                        rec.path("label").asText(rel)));
            } else {
                triples.add(new KnowledgeGraph.Triple(text(rec, "subject"), text(rec, "relation"),
                        text(rec, "object")));
            }
        }
        try {
            return new KnowledgeGraph(relations, triples);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage());
        }
    }

    /** MQuAKE's cloze templates (prompts/templates/cloze_templates.json, "[X] ... __") as "{} ..." prompts, by relation. */
    public static Map<String, String> clozeTemplates(Path file) throws IOException {
        Map<String, String> templates = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = JSON.readTree(file.toFile()).fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            templates.put(e.getKey(), e.getValue().asText().replace("[X]", "{}").replaceAll("\\s*__\\s*$", ""));
        }
        return templates;
    }

    /** Texts for the statistics: JSONL lines with a "text" field, else every non-blank line as it is. */
    public static List<String> readTexts(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such file (--stats-corpus takes JSONL {\"text\": ...} or plain lines)");
        }
        List<String> out = new ArrayList<>();
        for (String l : Files.readAllLines(file)) {
            if (l.isBlank()) {
                continue;
            }
            JsonNode n = l.startsWith("{") ? JSON.readTree(l) : null;
            out.add(n != null && n.hasNonNull("text") ? n.get("text").asText() : l);
        }
        return out;
    }

    /** A JSON array file, or JSON lines (blank lines skipped). */
    public static List<JsonNode> records(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such file");
        }
        String s = Files.readString(file).strip();
        List<JsonNode> out = new ArrayList<>();
        if (s.startsWith("[")) {
            JSON.readTree(s).forEach(out::add);
            return out;
        }
        int line = 0;
        for (String l : s.split("\n")) {
            line++;
            if (!l.isBlank()) {
                try {
                    out.add(JSON.readTree(l));
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IOException(file + ", line " + line + ": not valid JSON (" + e.getOriginalMessage() + ")");
                }
            }
        }
        return out;
    }
}
