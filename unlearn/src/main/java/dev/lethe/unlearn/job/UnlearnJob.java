package dev.lethe.unlearn.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.lethe.optim.train.RunFolderLock;
import dev.lethe.transformer.generate.Generator;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.PromptTemplate;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.unlearn.data.AlternateAnswers;
import dev.lethe.unlearn.data.Batch;
import dev.lethe.unlearn.data.Encoder;
import dev.lethe.unlearn.data.Example;
import dev.lethe.unlearn.data.QaRecord;
import dev.lethe.unlearn.objective.Objective;
import dev.lethe.unlearn.recipe.Plan;
import dev.lethe.unlearn.recipe.Recipe;
import dev.lethe.unlearn.recipe.Settings;
import dev.lethe.unlearn.select.LlmTokenScorer;
import dev.lethe.unlearn.select.NgramTokenScorer;
import dev.lethe.unlearn.select.Threshold;
import dev.lethe.unlearn.select.TokenSelection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One unlearning run from records to a saved model: encode the forget and retain question/answer records with the
 * recipe's template, optionally restrict forget tokens with Selective Unlearning masks, build the recipe's objectives
 * and update rule, train (resuming from {@code out/checkpoint.safetensors} after a kill), and write the unlearned
 * Hugging Face folder, {@code metrics.jsonl} and {@code recipe.json} (the resolved settings) to {@code out}.
 */
public final class UnlearnJob {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Inputs of a run. {@code idk} may be empty unless the recipe needs "I don't know" answers. */
    public record Inputs(CausalLM model, Tokenizer tokenizer, List<QaRecord> forget, List<QaRecord> retain,
                         List<String> idk, Recipe recipe, Settings settings, Path out, boolean progressBar,
                         Consumer<Map<String, Object>> listener) {
    }

    /** What the run did. */
    public record Result(Path out, TrainingRun.Outcome outcome, double fractionSelected, Settings settings) {
    }

    private UnlearnJob() {
    }

    public static Result run(Inputs in) throws IOException {
        Settings s = in.settings();
        CausalLM model = in.model();
        Plan plan = in.recipe().plan(s, model.config());
        Settings resolved = s;
        if (!plan.trainable().equals(s.string("trainable"))) {
            resolved = s.with(Map.of("trainable", plan.trainable()));
        }
        if (plan.removal() != null) {
            return removeInfluence(in, plan, resolved);
        }
        resolved = LoraTraining.attach(model, resolved);
        Encoder enc = encoder(in.tokenizer(), resolved);
        int pad = padId(in.tokenizer());
        List<Example> forget = enc.encodeAll(in.forget());
        List<Example> retain = enc.encodeAll(in.retain());
        double fraction = 1.0;
        if (!resolved.string("su").equals("none")) {
            Selected sel = selectTokens(forget, retain, resolved, model, pad);
            forget = sel.examples;
            fraction = sel.fraction;
        }
        Map<String, List<Example>> sets = new LinkedHashMap<>();
        sets.put("forget", forget);
        if (plan.objectives().containsKey("retain") || plan.objectives().get("forget").needsReference()
                && !retain.isEmpty()) {
            sets.put("retain", retain);
        }
        if (plan.needsIdk()) {
            if (in.idk().isEmpty()) {
                throw new IllegalArgumentException("recipe " + in.recipe().name() + " needs 'I don't know' answers"
                        + " (e.g. TOFU's idontknow.jsonl): pass --idk FILE");
            }
            sets.put("idk", idkExamples(in.forget(), in.idk(), enc, resolved.integer("seed")));
        }
        // the "I don't know" answer of forget question i is drawn with question i (IdkDPO compares the two per prompt)
        Set<String> aligned = sets.containsKey("idk") && sets.get("idk").size() == forget.size() ? Set.of("idk")
                : Set.of();
        if (plan.needsAlternates()) {
            if (!resolved.string("su").equals("none")) {
                throw new IllegalArgumentException("recipe " + in.recipe().name() + " does not take Selective"
                        + " Unlearning masks; set su=none");
            }
            List<AlternateAnswers.Row> rows = alternates(in, resolved, enc);
            List<Example> originals = new ArrayList<>();
            List<Example> alts = new ArrayList<>();
            for (AlternateAnswers.Row r : rows) {
                originals.add(enc.encode(r.question(), r.answer()));
                alts.add(enc.encode(r.question(), r.alternate()));
            }
            sets.put("forget", originals);
            sets.put("alternate", alts);
            aligned = Set.of("alternate");
        }
        if (plan.then() != null && retain.isEmpty()) {
            throw new IllegalArgumentException("recipe " + in.recipe().name() + " distills on retain data; pass"
                    + " --retain FILE");
        }
        if (sets.containsKey("retain") && retain.isEmpty()) {
            throw new IllegalArgumentException("recipe " + in.recipe().name() + " needs a retain set; pass --retain FILE");
        }
        for (Objective o : plan.objectives().values()) {
            o.prepare(new Objective.Preparation(model, in.tokenizer(), in.forget()));
        }
        CausalLM reference = plan.needsReference() ? LoraTraining.reference(model, resolved) : null;
        try (RunFolderLock lock = RunFolderLock.acquire(in.out(), "UnlearnJob " + in.recipe().name())) {
            writeRecipe(in.out().resolve("recipe.json"), in.recipe(), resolved, fraction);
            TrainingRun.Outcome outcome = TrainingRun.run(new TrainingRun.Spec(model, reference, plan.objectives(),
                    plan.rule(), "forget", sets, pad, in.out(), in.progressBar(), in.listener(), aligned), resolved);
            if (plan.then() != null) {
                UndoStage.run(model, plan.then(), retain, pad, in.out(), resolved, in.progressBar(), in.listener());
            }
            LoraTraining.save(model, in.out());
            Files.deleteIfExists(in.out().resolve("checkpoint.safetensors"));
            return new Result(in.out(), outcome, fraction, resolved);
        }
    }

    /** LMCleaner: no training; the forget records' fine-tuning batches are removed using the step records. */
    private static Result removeInfluence(Inputs in, Plan plan, Settings s) throws IOException {
        if (s.integer("lora_rank") != 0 || !s.string("su").equals("none")) {
            throw new IllegalArgumentException("recipe " + in.recipe().name() + " edits the fine-tuned weights"
                    + " directly: set lora_rank=0 and su=none");
        }
        try (RunFolderLock lock = RunFolderLock.acquire(in.out(), "UnlearnJob " + in.recipe().name())) {
            TrainingRun.Outcome o = LmCleanerJob.run(in.model(), in.tokenizer(), in.forget(), plan.removal(),
                    in.out());
            writeRecipe(in.out().resolve("recipe.json"), in.recipe(), s, 1.0);
            return new Result(in.out(), o, 1.0, s);
        }
    }

    /**
     * AltPO's alternates: read from the file named by setting {@code alternates}, or generated by the model itself
     * ({@code alternates=generate}) and written to {@code out/alternates.jsonl}, which a resumed run reuses.
     */
    private static List<AlternateAnswers.Row> alternates(Inputs in, Settings s, Encoder enc) throws IOException {
        String from = s.string("alternates");
        if (from.isBlank()) {
            throw new IllegalArgumentException("recipe " + in.recipe().name() + " needs alternate answers: set"
                    + " alternates=generate or alternates=FILE (JSON Lines {question, answer, alternate})");
        }
        Path saved = in.out().resolve("alternates.jsonl");
        if (!from.equals("generate")) {
            return AlternateAnswers.covering(AlternateAnswers.read(Path.of(from)), in.forget(), from);
        }
        if (Files.isRegularFile(saved) && Files.isRegularFile(in.out().resolve("checkpoint.safetensors"))) {
            return AlternateAnswers.covering(AlternateAnswers.read(saved), in.forget(), saved.toString());
        }
        List<AlternateAnswers.Row> rows = AlternateAnswers.generate(new Generator(in.model(), in.tokenizer()),
                enc.template(), in.forget(), s.string("alt_prompt"), s.integer("alt_per_question"),
                s.integer("alt_max_new_tokens"), s.number("alt_temperature"), s.integer("seed"));
        Files.createDirectories(in.out());
        AlternateAnswers.write(saved, rows);
        return AlternateAnswers.covering(rows, in.forget(), "the alternates the model generated (" + saved + ")");
    }

    /** How training jobs turn records into examples: the settings' template and max_length, BOS as training adds it. */
    public static Encoder encoder(Tokenizer tok, Settings s) {
        String t = s.string("template");
        PromptTemplate template = PromptTemplate.parse(t);
        return new Encoder(tok, template, s.integer("max_length"), PromptTemplate.trainsWithBos(tok), true);
    }

    static int padId(Tokenizer tok) {
        if (tok.padId().isPresent()) {
            return tok.padId().getAsInt();
        }
        return tok.eosId().isPresent() ? tok.eosId().getAsInt() : 0;
    }

    private record Selected(List<Example> examples, double fraction) {
    }

    private static Selected selectTokens(List<Example> forget, List<Example> retain, Settings s, CausalLM model,
            int pad) throws IOException {
        Threshold thr = switch (s.string("su_threshold")) {
            case "adaptive" -> new Threshold.Adaptive(s.number("su_k"));
            case "explicit" -> new Threshold.Explicit(s.number("su_gamma"));
            default -> throw new IllegalArgumentException("su_threshold must be adaptive or explicit");
        };
        NgramTokenScorer ngram = null;
        CausalLM assistant = null;
        switch (s.string("su")) {
            case "ngram" -> {
                List<int[]> fa = new ArrayList<>();
                List<int[]> ra = new ArrayList<>();
                forget.forEach(e -> fa.add(e.answer()));
                retain.forEach(e -> ra.add(e.answer()));
                ngram = new NgramTokenScorer(fa, ra, 3);
            }
            case "llm" -> {
                if (s.string("su_model").isBlank()) {
                    throw new IllegalArgumentException("su=llm scores tokens against an assistant/reference model:"
                            + " set su_model=DIR (a Hugging Face folder with the same tokenizer)");
                }
                assistant = CausalLM.load(Path.of(s.string("su_model")));
            }
            default -> throw new IllegalArgumentException("su must be none, ngram or llm, got '" + s.string("su") + "'");
        }
        List<Example> out = new ArrayList<>();
        int kept = 0;
        int eligible = 0;
        for (Example e : forget) {
            Batch b = Batch.collate(List.of(e), pad);
            double[] scores = ngram != null ? ngram.score(b) : LlmTokenScorer.score(model, assistant, b);
            TokenSelection.Result r = TokenSelection.apply(b, scores, thr, s.integer("su_context"));
            boolean[] scored = new boolean[e.answer().length];
            for (int a = 0; a < scored.length; a++) {
                scored[a] = r.batch().labels()[e.prompt().length + a] != Batch.IGNORE;
            }
            out.add(e.withScored(scored));
            kept += r.selected();
            eligible += r.eligible();
        }
        return new Selected(out, eligible == 0 ? 0 : (double) kept / eligible);
    }

    /** Forget questions paired with seeded random "I don't know" answers. */
    static List<Example> idkExamples(List<QaRecord> forget, List<String> idk, Encoder enc, long seed) {
        Random r = new Random(seed + 17);
        List<Example> out = new ArrayList<>();
        for (QaRecord q : forget) {
            out.add(enc.encode(q.question(), idk.get(r.nextInt(idk.size()))));
        }
        return out;
    }

    private static void writeRecipe(Path file, Recipe recipe, Settings s, double fraction) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("recipe", recipe.name());
        m.put("paper", recipe.paper());
        m.put("summary", recipe.summary());
        m.put("settings", s.asMap());
        if (!s.string("su").equals("none")) {
            m.put("su_fraction_selected", fraction);
        }
        Files.writeString(file, JSON.writeValueAsString(m));
    }

    /** Reads TOFU's idontknow.jsonl (one plain-text answer per line). */
    public static List<String> readIdk(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank()) {
                out.add(line.strip());
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + ": no answers (expected one plain-text answer per line)");
        }
        return out;
    }
}
