package dev.lethe.serve.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.serve.audit.AuditTrail;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import dev.lethe.unlearn.data.QaRecord;
import dev.lethe.unlearn.job.UnlearnJob;
import dev.lethe.unlearn.recipe.Recipe;
import dev.lethe.unlearn.recipe.Recipes;
import dev.lethe.unlearn.recipe.Settings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Unlearning as a job: {@code {"kind": "unlearn", "recipe": NAME, "settings": {key: value}, "forget": [{"question",
 * "answer"}] or "forget_file": JSONL, "retain": [...] or "retain_file", "idk": ["..."] or "idk_file"}} runs the
 * recipe with {@link UnlearnJob} (checkpointed in the work folder, resumed from there after a crash). File references
 * are resolved inside the data folder given at construction (the registry's {@code data/}); a path that leaves it is
 * refused, so a caller with the jobs scope cannot make the server read arbitrary files.
 */
public final class UnlearnJobKind implements JobKind {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DataFolder data;

    public UnlearnJobKind(Path data) {
        this.data = new DataFolder(data);
    }

    @Override
    public String name() {
        return "unlearn";
    }

    @Override
    public void validate(JsonNode spec) {
        Recipe recipe = Recipes.get(text(spec, "recipe"));
        settings(recipe, spec);
        if (records(spec, "forget").isEmpty()) {
            throw new IllegalArgumentException("forget must hold at least one {question, answer} record");
        }
        records(spec, "retain");
        UnlearnGate.of(spec);
    }

    @Override
    public Result run(Context ctx) throws Exception {
        JsonNode spec = ctx.spec();
        Recipe recipe = Recipes.get(text(spec, "recipe"));
        Settings settings = settings(recipe, spec);
        List<QaRecord> forget = records(spec, "forget");
        List<QaRecord> retain = records(spec, "retain");
        List<String> idk = new ArrayList<>();
        if (spec.path("idk").isArray()) {
            spec.get("idk").forEach(n -> idk.add(n.asText()));
        } else if (spec.path("idk_file").isTextual()) {
            idk.addAll(UnlearnJob.readIdk(data.file(spec, "idk_file")));
        }
        CausalLM model = CausalLM.load(ctx.baseModel(), DataType.FLOAT);
        int epochs = settings.integer("epochs");
        int maxSteps = settings.integer("max_steps");
        int batch = Math.max(1, settings.integer("batch_size") * settings.integer("grad_accum"));
        long total = maxSteps > 0 ? maxSteps : (long) epochs * ((forget.size() + batch - 1) / batch);
        try (Tokenizer tok = Tokenizers.load(ctx.baseModel())) {
            UnlearnJob.Result r = UnlearnJob.run(new UnlearnJob.Inputs(model, tok, forget, retain, idk, recipe,
                    settings, ctx.work(), false, line -> {
                        if (ctx.cancelled().getAsBoolean()) {
                            throw new CancellationException("cancelled");
                        }
                        Object step = line.get("step");
                        if (step instanceof Number n && total > 0) {
                            ctx.progress().accept(Math.min(1.0, n.doubleValue() / total));
                        }
                    }));
            Files.createDirectories(ctx.out());
            try (var files = Files.list(r.out())) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    if (Files.isRegularFile(f)) {
                        Files.copy(f, ctx.out().resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            for (String name : List.of("tokenizer.json", "tokenizer_config.json")) {
                Path f = ctx.baseModel().resolve(name);
                if (Files.exists(f) && !Files.exists(ctx.out().resolve(name))) {
                    Files.copy(f, ctx.out().resolve(name));
                }
            }
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("recipe", recipe.name());
            details.put("paper", recipe.paper());
            details.put("settings", r.settings().asMap());
            details.put("forget_records", forget.size());
            details.put("forget_sha256", dataHash(forget));
            details.put("retain_records", retain.size());
            details.put("retain_sha256", dataHash(retain));
            details.put("steps", r.outcome().steps());
            details.put("last_metrics", r.outcome().lastMetrics());
            UnlearnGate gate = UnlearnGate.of(spec);
            return new Result(details, gate == null ? null : gate.bind(forget, retain, settings.string("template")));
        }
    }

    private static Settings settings(Recipe recipe, JsonNode spec) {
        Map<String, String> overrides = new LinkedHashMap<>();
        JsonNode s = spec.path("settings");
        if (!s.isMissingNode() && !s.isNull() && !s.isObject()) {
            throw new IllegalArgumentException("settings must be an object of {name: value}");
        }
        s.fields().forEachRemaining(e -> overrides.put(e.getKey(), e.getValue().asText()));
        return recipe.settings().with(overrides);
    }

    private static String text(JsonNode spec, String field) {
        JsonNode n = spec.path(field);
        if (!n.isTextual() || n.asText().isBlank()) {
            throw new IllegalArgumentException(field + " is required (a string)");
        }
        return n.asText();
    }

    /** Records inline ({@code field}: [{question, answer}]) or from a JSONL file ({@code field_file}). */
    private List<QaRecord> records(JsonNode spec, String field) {
        List<QaRecord> out = new ArrayList<>();
        JsonNode inline = spec.path(field);
        if (inline.isArray()) {
            for (int i = 0; i < inline.size(); i++) {
                JsonNode r = inline.get(i);
                if (!r.path("question").isTextual() || !r.path("answer").isTextual()) {
                    throw new IllegalArgumentException(field + "[" + i + "] needs string fields question and answer");
                }
                out.add(QaRecord.of(r.get("question").asText(), r.get("answer").asText()));
            }
        } else if (!inline.isMissingNode() && !inline.isNull()) {
            throw new IllegalArgumentException(field + " must be a list of {question, answer}");
        }
        if (spec.path(field + "_file").isTextual()) {
            Path f = data.file(spec, field + "_file");
            try {
                out.addAll(QaRecord.read(f));
            } catch (IOException e) {
                throw new IllegalArgumentException(field + "_file: cannot read " + f + ": " + e.getMessage());
            }
        }
        return out;
    }

    /** sha256 of the records as canonical JSON lines {"question", "answer"}. */
    static String dataHash(List<QaRecord> records) {
        StringBuilder sb = new StringBuilder();
        for (QaRecord r : records) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("question", r.question());
            m.put("answer", r.answer());
            try {
                sb.append(JSON.writeValueAsString(m)).append('\n');
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return AuditTrail.sha256(sb.toString().getBytes(StandardCharsets.UTF_8));
    }
}
