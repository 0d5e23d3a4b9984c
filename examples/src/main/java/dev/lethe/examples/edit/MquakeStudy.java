package dev.lethe.examples.edit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.eval.edit.AnswerScores;
import dev.lethe.examples.decoding.DecodingStudy;
import dev.lethe.eval.edit.MquakeMetrics;
import dev.lethe.transformer.config.ModelConfig;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.PromptTemplate;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import dev.lethe.unlearn.data.Encoder;
import dev.lethe.unlearn.data.QaRecord;
import dev.lethe.unlearn.edit.EditFiles;
import dev.lethe.unlearn.edit.EditMethod;
import dev.lethe.unlearn.edit.EditRequest;
import dev.lethe.unlearn.edit.EditSettings;
import dev.lethe.unlearn.edit.Editor;
import dev.lethe.unlearn.edit.KnowledgeGraph;
import dev.lethe.unlearn.edit.SecondMoments;
import dev.lethe.unlearn.job.FinetuneJob;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The MQuAKE editing study: a world a small model can know. Every fact of MQuAKE-hard's {@code orig.triples_labeled}
 * is spoken with MQuAKE's cloze template of its relation ("Hey Jude was performed by The Beatles."), together with the
 * records' {@code single_hops} clozes and answers; Lethe trains a small Llama on these sentences (cached by a stamp of
 * config, settings and data), measures what the unedited model knows (single-hop and multi-hop accuracy), then applies
 * the {@code requested_rewrite}s of the first records with ROME (one at a time), MEMIT and K-Edit (graph: every
 * record's orig triples; both in sequential batches of several sizes) and scores each with {@link MquakeMetrics} on
 * those records, plus the perplexity of fact sentences of records that were not edited, and wall times of the
 * statistics pass and of the edits.
 */
public final class MquakeStudy {

    /**
     * What the study runs: model size, fine-tuning settings, how many records' edits go in one batch, how many
     * records' sentences serve as unrelated text.
     */
    public record Setup(int hidden, int layers, List<String> training, int editRecords, int unrelatedRecords,
                        List<String> editSettings, List<Run> runs) {
        /**
         * 4 layers of d 128 (the demo tokenizer's 512 tokens), 1,500 steps at lr 3e-3 on the raw sentences (template
         * raw: no "Question: ... Answer:" wrapper, so cloze prompts match the training text; max_length 64 holds the
         * longest sentence, 48 tokens); 25 records (100 edits): ROME one by one on the first 3 records (12 edits),
         * MEMIT in batches of 1, 10 and 100, K-Edit in one batch of 100.
         */
        public static Setup defaults() {
            return new Setup(128, 4, List.of("lr=3e-3", "epochs=1000", "max_steps=1500", "batch_size=16",
                    "max_length=64", "template=raw", "schedule=cosine", "warmup_epochs=0", "clip_norm=1.0",
                    "weight_decay=0", "seed=1234"), 25, 50, List.of(), List.of(new Run(EditMethod.ROME, 1, 3),
                    new Run(EditMethod.MEMIT, 1, 25), new Run(EditMethod.MEMIT, 10, 25),
                    new Run(EditMethod.MEMIT, 100, 25), new Run(EditMethod.KEDIT, 100, 25)));
        }
    }

    /**
     * One edited model of the study: a method, how many requests go into each of its sequential batches, and how many
     * of the first edit records' requests it applies (and is scored on; at most editRecords).
     */
    public record Run(EditMethod method, int batchSize, int records) {
        String label() {
            return method.name().toLowerCase(Locale.ROOT);
        }
    }

    /** One row: the method, edits applied (requested + contextual), the scores and the wall times. */
    public record Row(String method, int batchSize, int applied, MquakeMetrics metrics, double unrelatedPerplexity,
                      double meanValueNll, double statsSeconds, double editSeconds) {
    }

    /**
     * The study's outcome: the share of the distinct single-hop facts of every record the unedited model completes
     * (answer or an alias), out of how many, and one row per method (the "none" row is the unedited model on the edited
     * records, whose "orig" columns are its multi-hop and instance-wise accuracy before editing).
     */
    public record Outcome(int sentences, double singleHop, int singleHops, double trainSeconds, List<Row> rows) {
    }

    private MquakeStudy() {
    }

    /**
     * The training sentences of {@code records}, distinct, in file order: per record its orig triples spoken with the
     * relation's cloze template, then its single hops (cloze + answer); each ends with one full stop.
     */
    public static List<String> sentences(List<JsonNode> records, Map<String, String> templates) {
        Set<String> out = new LinkedHashSet<>();
        for (JsonNode r : records) {
            JsonNode ids = r.path("orig").path("triples");
            JsonNode labels = r.path("orig").path("triples_labeled");
            for (int i = 0; i < ids.size(); i++) {
                String rel = ids.get(i).get(1).asText();
                String template = templates.get(rel);
                if (template == null) {
                    throw new IllegalArgumentException("case " + r.path("case_id").asText() + ": relation " + rel
                            + " has no cloze template; add it to cloze_templates.json");
                }
                out.add(sentence(template.replace("{}", labels.get(i).get(0).asText()), labels.get(i).get(2).asText()));
            }
            for (JsonNode h : r.path("single_hops")) {
                out.add(sentence(h.path("cloze").asText(), h.path("answer").asText()));
            }
        }
        return new ArrayList<>(out);
    }

    /** "{cloze} {object}." (no second full stop after an object that ends with one, "Washington, D.C."). */
    static String sentence(String cloze, String object) {
        String o = object.strip();
        return cloze.strip() + " " + o + (o.endsWith(".") ? "" : ".");
    }

    /** What trained the world model: a folder with the same stamp is reused. */
    static final String STAMP = "study-stamp.txt";

    /**
     * Runs the study in {@code work} ({@code work/world} holds the trained model, reused when its stamp matches):
     * trains or loads the world model, scores it unedited, then edits with each of the setup's runs.
     */
    public static Outcome run(Path mquake, Path clozeTemplateFile, Path tokenizerFile, Path work, Setup setup,
                              PrintStream log) throws IOException {
        List<JsonNode> records = new ArrayList<>();
        new ObjectMapper().readTree(mquake.toFile()).forEach(records::add);
        Map<String, String> templates = EditFiles.clozeTemplates(clozeTemplateFile);
        List<String> sentences = sentences(records, templates);
        Files.createDirectories(work);
        Files.write(work.resolve("world.txt"), sentences, StandardCharsets.UTF_8);
        Path dir = work.resolve("world");
        String config = DecodingStudy.config(setup.hidden(), setup.layers());
        String stamp = config + "\n" + setup.training() + "\n" + String.join("\n", sentences) + "\n";
        double trainSeconds = 0;
        try (Tokenizer tok = Tokenizers.load(tokenizerFile)) {
            checkNoneCut(tok, sentences, FinetuneJob.defaults().with(setup.training()).integer("max_length"));
            if (!(Files.isRegularFile(dir.resolve(STAMP)) && Files.readString(dir.resolve(STAMP)).equals(stamp))) {
                long t0 = System.nanoTime();
                CausalLM m = CausalLM.randomInit(ModelConfig.parse(config, "MQuAKE world model"), 1234, 0.02,
                        DataType.FLOAT);
                FinetuneJob.run(new FinetuneJob.Inputs(m, tok, sentences.stream().map(s -> QaRecord.of("", s))
                        .toList(), FinetuneJob.defaults().with(setup.training()), dir, false, null));
                Files.copy(tokenizerFile, dir.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
                Files.writeString(dir.resolve(STAMP), stamp);
                trainSeconds = (System.nanoTime() - t0) / 1e9;
                log.printf(Locale.ROOT, "  trained the world model (%d params) on %d sentences in %.0f s%n",
                        m.parameterCount(), sentences.size(), trainSeconds);
            } else {
                log.println("  using the trained world model in " + dir);
            }
            CausalLM world = CausalLM.load(dir);
            Map<String, List<String>> hops = singleHops(records);
            AnswerScores base = new AnswerScores(world, tok);
            long known = hops.entrySet().stream().filter(h -> h.getValue().stream()
                    .anyMatch(a -> base.predicts(h.getKey(), a))).count();
            double singleHop = (double) known / hops.size();
            log.printf(Locale.ROOT, "  unedited: %d of %d distinct single-hop facts completed (%.3f)%n", known,
                    hops.size(), singleHop);

            List<JsonNode> batch = records.subList(0, Math.min(setup.editRecords(), records.size()));
            List<JsonNode> rest = records.subList(batch.size(), Math.min(records.size(),
                    batch.size() + setup.unrelatedRecords()));
            Set<String> edited = new LinkedHashSet<>(sentences(batch, templates));
            List<String> unrelated = sentences(rest, templates).stream().filter(s -> !edited.contains(s)).toList();
            Path editsFile = work.resolve("edits.json");
            new ObjectMapper().writeValue(editsFile.toFile(), batch);
            List<EditRequest> requests = EditFiles.readEdits(editsFile);
            KnowledgeGraph graph = EditFiles.readGraph(mquake, clozeTemplateFile);
            SecondMoments moments = new SecondMoments(work.resolve("edit-stats"), null);
            Editor editor = new Editor(tok, sentences, moments, graph);

            List<Row> rows = new ArrayList<>();
            rows.add(score("none", 0, 0, world, tok, batch, unrelated, Double.NaN, 0, 0, log));
            for (Run run : setup.runs()) {
                List<JsonNode> runRecords = batch.subList(0, Math.min(run.records(), batch.size()));
                int n = runRecords.stream().mapToInt(r -> r.path("requested_rewrite").size()).sum();
                EditSettings s = EditSettings.defaults().withMethod(run.method()).with("batchSize",
                        Integer.toString(run.batchSize()));
                for (String kv : setup.editSettings()) {
                    String[] p = kv.split("=", 2);
                    s = s.with(p[0], p[1]);
                }
                Editor.Result res = editor.edit(world, requests.subList(0, n), s);
                double valueNll = res.edits().stream().mapToDouble(Editor.AppliedEdit::targetNll).average().orElse(0);
                rows.add(score(run.label(), run.batchSize(), res.edits().size(), res.model(), tok, runRecords,
                        unrelated, valueNll, res.statsSeconds(), res.editSeconds(), log));
            }
            return new Outcome(sentences.size(), singleHop, hops.size(), trainSeconds, rows);
        }
    }

    /** The distinct single-hop clozes of {@code records} with their answer and aliases, in file order. */
    static Map<String, List<String>> singleHops(List<JsonNode> records) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (JsonNode r : records) {
            for (JsonNode h : r.path("single_hops")) {
                List<String> answers = new ArrayList<>(List.of(h.path("answer").asText()));
                h.path("answer_alias").forEach(a -> answers.add(a.asText()));
                out.putIfAbsent(h.path("cloze").asText(), answers);
            }
        }
        return out;
    }

    /**
     * Fails when a training sentence would not fit {@code maxLength} tokens as fine-tuning encodes it (BOS + text +
     * EOS): the fact's object would be cut off and the model could not learn it.
     */
    static void checkNoneCut(Tokenizer tok, List<String> sentences, int maxLength) {
        Encoder enc = new Encoder(tok, PromptTemplate.RAW, Integer.MAX_VALUE, PromptTemplate.trainsWithBos(tok), true);
        for (String sentence : sentences) {
            int n = enc.encode(QaRecord.of("", sentence)).length();
            if (n > maxLength) {
                throw new IllegalArgumentException("world-model sentence '" + sentence + "' is " + n + " tokens with"
                        + " BOS and EOS, more than max_length=" + maxLength + ": raise max_length in the study's"
                        + " training settings");
            }
        }
    }

    private static Row score(String method, int batchSize, int applied, CausalLM model, Tokenizer tok,
                             List<JsonNode> batch, List<String> unrelated, double valueNll, double statsSeconds,
                             double editSeconds, PrintStream log) {
        AnswerScores s = new AnswerScores(model, tok);
        Row row = new Row(method, batchSize, applied, MquakeMetrics.of(s, batch), s.perplexity(unrelated, 64),
                valueNll, statsSeconds, editSeconds);
        log.printf(Locale.ROOT, "  %s (batch %d): %d edits, %s, unrelated perplexity %.3f, mean value NLL %.3f, stats"
                + " %.1f s, edits %.1f s%n", method, batchSize, applied, row.metrics(), row.unrelatedPerplexity(),
                valueNll, statsSeconds, editSeconds);
        return row;
    }

    /** The table of docs/results.md. */
    public static String table(Outcome o, int editRecords) {
        MquakeMetrics u = o.rows().get(0).metrics();
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "Unedited world model (%d training sentences):"
                + " single-hop accuracy %.3f (%d distinct single-hop clozes of all records); on the %d edited records"
                + " multi-hop accuracy %.3f, hop-wise %.3f, instance-wise %.3f (original answers).%n%n", o.sentences(),
                o.singleHop(), o.singleHops(), u.records(), u.multiHopOriginal(), u.hopWiseOriginal(),
                u.instanceWiseOriginal()));
        sb.append(String.format(Locale.ROOT, "Requested rewrites of the first records (up to %d); ROME one at a time,"
                + " MEMIT and K-Edit in sequential batches of the given size, each run starting from the unedited"
                + " model; value NLL = mean target NLL the value optimisation reached:%n%n", editRecords));
        sb.append("| method | batch | records | edits applied | edit-wise | multi-hop (new) | hop-wise (new) |"
                + " instance-wise (new) | multi-hop (orig) | unrelated ppl | value NLL | stats pass s | edit s |"
                + " s / edit |\n"
                + "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
                + "\n");
        for (Row r : o.rows()) {
            MquakeMetrics m = r.metrics();
            sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %s |"
                    + " %.1f | %.1f | %s |%n", r.method(), r.batchSize() == 0 ? "-" : Integer.toString(r.batchSize()),
                    m.records(), r.applied(), m.editWise(), m.multiHop(), m.hopWise(), m.instanceWise(),
                    m.multiHopOriginal(), r.unrelatedPerplexity(), Double.isNaN(r.meanValueNll()) ? "-"
                    : String.format(Locale.ROOT, "%.3f", r.meanValueNll()), r.statsSeconds(), r.editSeconds(),
                    r.applied() == 0 ? "-" : String.format(Locale.ROOT, "%.2f", r.editSeconds() / r.applied())));
        }
        return sb.toString();
    }
}
