package dev.lethe.serve.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.serve.audit.AuditTrail;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import dev.lethe.unlearn.edit.EditFiles;
import dev.lethe.unlearn.edit.EditMethod;
import dev.lethe.unlearn.edit.EditRequest;
import dev.lethe.unlearn.edit.EditRun;
import dev.lethe.unlearn.edit.EditSettings;
import dev.lethe.unlearn.edit.Editor;
import dev.lethe.unlearn.edit.KnowledgeGraph;
import dev.lethe.unlearn.edit.SecondMoments;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.stream.Stream;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Knowledge editing as a job: {@code {"kind": "edit", "method": "rome"|"memit"|"kedit", "edits": [{"prompt": "{} was
 * performed by", "subject", "target_new", "target_true", "paraphrase_prompts": [...], "neighborhood_prompts": [...]}]
 * or "edits_file": F (CounterFact, MQuAKE or JSONL edits), "stats_corpus": ["text", ...] or "stats_corpus_file": F,
 * "kg_file": F and "kg_templates_file": F (K-Edit's knowledge graph), "settings": {EditSettings name: value}, "gate":
 * {"min_efficacy", "min_paraphrase", "min_neighbourhood"}}} runs {@link Editor} on the served model and writes the
 * edited model with its {@code edits.json}. Files are read inside the registry's data folder. Inline edits are
 * written to the job's work folder as JSON lines first, so the audited sha256 is always that of the edits file the
 * editor read. An edit is not checkpointed (it is one statistics pass, cached across jobs, and a few optimisation
 * steps per edit): a job interrupted by a crash runs again from the start.
 */
public final class EditJobKind implements JobKind {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DataFolder data;
    private final Path statsCache;

    /**
     * @param data       the folder file fields are resolved in
     * @param statsCache where second moments are cached across jobs (keyed by model and corpus sha256)
     */
    public EditJobKind(Path data, Path statsCache) {
        this.data = new DataFolder(data);
        this.statsCache = statsCache;
    }

    @Override
    public String name() {
        return "edit";
    }

    @Override
    public void validate(JsonNode spec) {
        EditSettings settings = settings(spec);
        corpus(spec);
        EditGate gate = EditGate.of(spec);
        if (settings.method() == EditMethod.KEDIT) {
            data.file(spec, "kg_file");
        }
        Path tmp = null;
        try {
            tmp = Files.createTempDirectory("lethe-edit-spec");
            Path file = editsFile(spec, tmp);
            List<JsonNode> records = gateRecords(file);
            if (gate != null) {
                gate.requireScorable(records);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("edits_file: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            // inline edits were read from a temporary file: name them as the client wrote them
            throw new IllegalArgumentException(String.valueOf(e.getMessage()).replace(tmp.resolve("edits.jsonl")
                    .toString(), "edits"));
        } finally {
            if (tmp != null) {
                try {
                    deleteTree(tmp);
                } catch (IOException e) {
                    tmp.toFile().deleteOnExit();
                }
            }
        }
    }

    @Override
    public Result run(Context ctx) throws Exception {
        JsonNode spec = ctx.spec();
        EditSettings settings = settings(spec);
        Path editsFile = editsFile(spec, ctx.work());
        List<EditRequest> requests = EditFiles.readEdits(editsFile);
        List<String> corpus = corpus(spec);
        KnowledgeGraph graph = spec.path("kg_file").isTextual() ? EditFiles.readGraph(data.file(spec, "kg_file"),
                spec.path("kg_templates_file").isTextual() ? data.file(spec, "kg_templates_file") : null) : null;
        CausalLM model = CausalLM.load(ctx.baseModel(), DataType.FLOAT);
        try (Tokenizer tok = Tokenizers.load(ctx.baseModel())) {
            SecondMoments moments = new SecondMoments(statsCache, (done, total) -> {
                checkCancelled(ctx);
                ctx.progress().accept(0.5 * done / total);
            });
            checkCancelled(ctx);
            Editor.Result r = new Editor(tok, corpus, moments, graph).edit(model, requests, settings);
            checkCancelled(ctx);
            ctx.progress().accept(0.9);
            deleteTree(ctx.out());
            EditRun.write(r, settings, ctx.out());
            copyTokenizer(ctx.baseModel(), ctx.out());

            Map<String, Object> details = new LinkedHashMap<>();
            details.put("method", settings.method().name().toLowerCase(java.util.Locale.ROOT));
            details.put("edits_source", spec.path("edits_file").isTextual() ? "data/" + spec.get("edits_file").asText()
                    : "inline");
            details.put("edits_sha256", AuditTrail.sha256(Files.readAllBytes(editsFile)));
            details.put("edits_requested", requests.size());
            details.put("edits_contextual", r.edits().size() - requests.size());
            details.put("stats_corpus_texts", corpus.size());
            details.put("stats_corpus_sha256", AuditTrail.sha256(String.join("\n", corpus)
                    .getBytes(StandardCharsets.UTF_8)));
            details.put("settings", JSON.convertValue(settings, Map.class));
            List<Map<String, Object>> applied = new ArrayList<>();
            for (Editor.AppliedEdit e : r.edits()) {
                Map<String, Object> a = new LinkedHashMap<>();
                a.put("text", e.request().text());
                a.put("target_new", e.request().targetNew());
                a.put("origin", e.request().origin());
                a.put("layers", e.layers());
                a.put("target_nll", e.targetNll());
                applied.add(a);
            }
            details.put("applied", applied);
            details.put("stats_seconds", r.statsSeconds());
            details.put("edit_seconds", r.editSeconds());
            EditGate gate = EditGate.of(spec);
            return new Result(details, gate == null ? null : gate.bind(gateRecords(editsFile)));
        }
    }

    private static void checkCancelled(Context ctx) {
        if (ctx.cancelled().getAsBoolean()) {
            throw new CancellationException("cancelled");
        }
    }

    private static EditSettings settings(JsonNode spec) {
        EditSettings s = EditSettings.defaults();
        JsonNode m = spec.path("method");
        if (!m.isMissingNode() && !m.isNull()) {
            if (!m.isTextual()) {
                throw new IllegalArgumentException("method must be a string: rome, memit or kedit");
            }
            s = s.withMethod(EditMethod.parse(m.asText()));
        }
        JsonNode set = spec.path("settings");
        if (!set.isMissingNode() && !set.isNull() && !set.isObject()) {
            throw new IllegalArgumentException("settings must be an object of {name: value}");
        }
        for (var it = set.fields(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().equals("method")) {
                throw new IllegalArgumentException("give the edit method as the job's \"method\", not in settings");
            }
            s = s.with(e.getKey(), e.getValue().isArray() ? joined(e.getValue()) : e.getValue().asText());
        }
        return s;
    }

    private static String joined(JsonNode array) {
        List<String> parts = new ArrayList<>();
        array.forEach(n -> parts.add(n.asText()));
        return String.join(",", parts);
    }

    /**
     * The records the gate scores, CounterFact-shaped: one per request of the edits file (as {@link EditFiles} reads
     * them, the prompt normalised to hold "{}"), with its record's paraphrase_prompts and neighborhood_prompts.
     */
    static List<JsonNode> gateRecords(Path editsFile) throws IOException {
        List<EditRequest> requests = EditFiles.readEdits(editsFile);
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode record : EditFiles.records(editsFile)) {
            JsonNode rw = record.get("requested_rewrite");
            int n = rw != null && rw.isArray() ? rw.size() : 1;
            for (int k = 0; k < n; k++) {
                EditRequest r = requests.get(out.size());
                ObjectNode g = JSON.createObjectNode();
                ObjectNode w = g.putObject("requested_rewrite");
                w.put("prompt", r.prompt()).put("subject", r.subject()).put("target_new", r.targetNew());
                if (r.targetTrue() != null) {
                    w.put("target_true", r.targetTrue());
                }
                for (String list : List.of("paraphrase_prompts", "neighborhood_prompts")) {
                    g.set(list, record.path(list).isArray() ? record.get(list) : JSON.createArrayNode());
                }
                out.add(g);
            }
        }
        return out;
    }

    /** The edits file the editor reads: edits_file itself, or the inline edits written as JSON lines in work. */
    private Path editsFile(JsonNode spec, Path work) throws IOException {
        if (spec.has("edits") && spec.has("edits_file")) {
            throw new IllegalArgumentException("give either edits or edits_file, not both");
        }
        if (spec.has("edits_file")) {
            return data.file(spec, "edits_file");
        }
        if (!spec.path("edits").isArray() || spec.get("edits").isEmpty()) {
            throw new IllegalArgumentException("edits is required: a non-empty list of {prompt, subject, target_new,"
                    + " target_true} (or name a file of them with edits_file)");
        }
        StringBuilder sb = new StringBuilder();
        for (JsonNode e : spec.get("edits")) {
            sb.append(JSON.writeValueAsString(e)).append('\n');
        }
        Files.createDirectories(work);
        Path f = work.resolve("edits.jsonl");
        Files.writeString(f, sb.toString(), StandardCharsets.UTF_8);
        return f;
    }

    /** Statistics texts: inline stats_corpus, or stats_corpus_file (JSONL {"text"} or plain lines). */
    private List<String> corpus(JsonNode spec) {
        JsonNode inline = spec.path("stats_corpus");
        List<String> out = new ArrayList<>();
        if (inline.isArray()) {
            inline.forEach(n -> out.add(n.asText()));
        } else if (spec.path("stats_corpus_file").isTextual()) {
            try {
                out.addAll(EditFiles.readTexts(data.file(spec, "stats_corpus_file")));
            } catch (IOException e) {
                throw new IllegalArgumentException("stats_corpus_file: " + e.getMessage());
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("stats_corpus (a list of texts) or stats_corpus_file is required: the"
                    + " editor estimates the key second moments from it");
        }
        return out;
    }

    /** Copies the tokenizer files the saved model does not have yet. */
    private static void copyTokenizer(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                String n = f.getFileName().toString();
                boolean tokenizerFile = n.startsWith("tokenizer") || n.equals("special_tokens_map.json")
                        || n.equals("vocab.json") || n.equals("merges.txt") || n.equals("generation_config.json");
                if (tokenizerFile && !Files.exists(to.resolve(n))) {
                    Files.copy(f, to.resolve(n));
                }
            }
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
