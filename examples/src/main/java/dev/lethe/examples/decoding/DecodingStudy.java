package dev.lethe.examples.decoding;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.transformer.config.ModelConfig;
import dev.lethe.transformer.generate.Decoding;
import dev.lethe.transformer.generate.Generation;
import dev.lethe.transformer.generate.GenerationConfig;
import dev.lethe.transformer.generate.Generator;
import dev.lethe.transformer.generate.LogitsProcessor;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.PromptTemplate;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import dev.lethe.unlearn.apd.AlmFit;
import dev.lethe.unlearn.data.Example;
import dev.lethe.unlearn.data.QaRecord;
import dev.lethe.unlearn.job.FinetuneJob;
import dev.lethe.unlearn.recipe.Settings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The decoding study: Lethe trains a family of four small Llamas on the true facts of MQuAKE-hard rendered as
 * sentences ("Hey Jude was performed by The Beatles.", raw text: BOS + sentence + EOS), fits APD's ALM' over the family
 * on the same encoded sentences, and compares greedy (every size), top-p sampling, contrastive decoding (largest vs
 * smallest) and APD (largest + ALM') on factual accuracy (the share of fact prompts, BOS + cloze as in training, whose
 * continuation starts with the right object), and on FactualityPrompt prompts (48 tokens each, EOS ignored so every
 * row is as long) on distinct-1/2, repetition (seq-rep-4) and tokens/s. Fact continuations get 24 tokens (the
 * 512-token tokenizer spends several per word). FactualityPrompt's own NLI and named-entity metrics need Wikipedia and
 * a RoBERTa NLI model, which are not available here.
 */
public final class DecodingStudy {

    /** One fact: the cloze prompt and its object. */
    public record Fact(String prompt, String answer) {
        /** "{prompt} {answer}." (no second full stop after an answer that ends with one, "Washington, D.C."). */
        String sentence() {
            return prompt + " " + answer + (answer.endsWith(".") ? "" : ".");
        }
    }

    /**
     * What the study runs: the family (width, layers and training steps of each model, smallest first), the training
     * settings they share, ALM''s settings, how many facts (0: all), FactualityPrompt prompts, new tokens per fact and
     * per FactualityPrompt prompt, the sampling seed, and the values of CD's tau and APD's T the sweep tries.
     */
    public record Setup(int[] hidden, int[] layers, int[] steps, List<String> training, AlmFit.Settings apd,
                        int factLimit, int fpPrompts, int factTokens, int fpTokens, long seed, double[] cdTaus,
                        double[] apdTemperatures) {
        /**
         * Four two-layer sizes (d 32, 64, 96, 128), 500 steps each at lr 3e-3 (batch 16, about 23 epochs) on the first
         * 350 fact sentences (template raw: BOS + sentence + EOS; max_length 64 holds the longest, 63 tokens); ALM' 300
         * steps on windows of 32 tokens from a sentence's BOS; those 350 facts (24 new tokens), 100 FactualityPrompt
         * prompts (48 new tokens); the held-out sweep tries CD's tau in {0.1, 0.25, 0.5, 1} and APD's T in {0.25, 0.5,
         * 1, 2}.
         */
        public static Setup defaults() {
            return new Setup(new int[] {32, 64, 96, 128}, new int[] {2, 2, 2, 2}, new int[] {500, 500, 500, 500},
                    List.of("lr=3e-3", "epochs=1000", "batch_size=16", "max_length=64", "template=raw",
                            "schedule=cosine", "warmup_epochs=0", "clip_norm=1.0", "weight_decay=0", "seed=1234"),
                    new AlmFit.Settings(10, 300, 4, 32, 1e-3, 100, 0), 350, 100, 24, 48, 7,
                    new double[] {0.1, 0.25, 0.5, 1.0}, new double[] {0.25, 0.5, 1.0, 2.0});
        }

        /** The fine-tuning settings of family model {@code i}: the shared ones and its number of steps. */
        public List<String> training(int i) {
            List<String> out = new ArrayList<>(training);
            out.add("max_steps=" + steps[i]);
            return out;
        }
    }

    /** One row of the table. */
    public record Row(String method, double factualAccuracy, double distinct1, double distinct2, double repetition,
                      double tokensPerSecond) {
    }

    /**
     * One setting of the held-out sweep: factual accuracy (greedy) on the tuning half of the facts (even positions)
     * and, for greedy decoding of the largest model and each method's setting chosen on the tuning half, on the
     * reporting half (odd positions; NaN for settings not chosen).
     */
    public record SweepRow(String method, String setting, double tuneAccuracy, double reportAccuracy) {
    }

    /** The table's rows and the sweep's. */
    public record Outcome(List<Row> rows, List<SweepRow> sweep) {
    }

    private DecodingStudy() {
    }

    /** The true single-hop facts of MQuAKE-hard, one per distinct cloze, in file order. */
    public static List<Fact> facts(Path mquake) throws IOException {
        Map<String, Fact> byPrompt = new LinkedHashMap<>();
        for (JsonNode c : new ObjectMapper().readTree(mquake.toFile())) {
            for (JsonNode h : c.path("single_hops")) {
                String cloze = h.path("cloze").asText().strip();
                String answer = h.path("answer").asText().strip();
                if (!cloze.isEmpty() && !answer.isEmpty()) {
                    byPrompt.putIfAbsent(cloze, new Fact(cloze, answer));
                }
            }
        }
        if (byPrompt.isEmpty()) {
            throw new IllegalArgumentException(mquake + ": no single_hops with cloze and answer; expected MQuAKE-hard"
                    + ".json");
        }
        return new ArrayList<>(byPrompt.values());
    }

    /** The prompts of a FactualityPrompt JSONL file ("prompt" field), at most {@code limit}. */
    public static List<String> factualityPrompts(Path jsonl, int limit) throws IOException {
        ObjectMapper om = new ObjectMapper();
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(jsonl, StandardCharsets.UTF_8)) {
            if (!line.isBlank() && out.size() < limit) {
                out.add(om.readTree(line).path("prompt").asText());
            }
        }
        return out;
    }

    /** A Llama config for the 512-token demo tokenizer: {@code layers} layers of width {@code hidden}, MLP 3x. */
    public static String config(int hidden, int layers) {
        return "{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\", \"vocab_size\": 512,"
                + " \"hidden_size\": " + hidden + ", \"intermediate_size\": " + 3 * hidden + ", \"num_hidden_layers\": "
                + layers + ", \"num_attention_heads\": 4, \"num_key_value_heads\": 4, \"max_position_embeddings\": 256,"
                + " \"rms_norm_eps\": 1e-05, \"rope_theta\": 10000.0, \"tie_word_embeddings\": true,"
                + " \"bos_token_id\": 1, \"eos_token_id\": 2, \"pad_token_id\": 0, \"initializer_range\": 0.02}";
    }

    /**
     * Runs the whole study in {@code work} and returns the rows of the tables; a family model whose folder holds the
     * stamp of the same config, settings and facts is reused, ALM' is always fitted anew.
     */
    public static Outcome run(Path mquake, Path factualityPrompt, Path tokenizerFile, Path work, Setup setup,
                              PrintStream log) throws IOException {
        List<Fact> facts = facts(mquake);
        if (setup.factLimit() > 0 && facts.size() > setup.factLimit()) {
            facts = facts.subList(0, setup.factLimit());
        }
        Files.createDirectories(work);
        Path corpusFile = work.resolve("facts.txt");
        Files.write(corpusFile, facts.stream().map(Fact::sentence).toList(), StandardCharsets.UTF_8);
        List<CausalLM> family = new ArrayList<>();
        try (Tokenizer tok = Tokenizers.load(tokenizerFile)) {
            List<Example> examples = trainingExamples(tok, facts, setup);
            List<QaRecord> corpus = records(facts);
            for (int i = 0; i < setup.hidden().length; i++) {
                Path dir = work.resolve("family-d" + setup.hidden()[i]);
                String config = config(setup.hidden()[i], setup.layers()[i]);
                List<String> training = setup.training(i);
                String stamp = config + "\n" + training + "\n" + facts.size() + " facts\n";
                Path stampFile = dir.resolve(STAMP);
                if (Files.isRegularFile(stampFile) && Files.readString(stampFile).equals(stamp)) {
                    family.add(CausalLM.load(dir));
                    log.printf("  using the trained family-d%d in %s%n", setup.hidden()[i], dir);
                    continue;
                }
                long t0 = System.nanoTime();
                CausalLM m = CausalLM.randomInit(ModelConfig.parse(config, "decoding study family"), 1234, 0.02,
                        DataType.FLOAT);
                FinetuneJob.run(new FinetuneJob.Inputs(m, tok, corpus, FinetuneJob.defaults().with(training),
                        dir, false, null));
                Files.copy(tokenizerFile, dir.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
                Files.writeString(stampFile, stamp);
                family.add(CausalLM.load(dir));
                log.printf(Locale.ROOT, "  trained family-d%d (%d params) on %d fact sentences in %.0f s%n",
                        setup.hidden()[i], m.parameterCount(), facts.size(), (System.nanoTime() - t0) / 1e9);
            }
            long t0 = System.nanoTime();
            List<int[]> documents = examples.stream().map(Example::ids).toList();
            AlmFit.Result alm = AlmFit.fit(family, documents, setup.apd(), line -> log.println("  " + line));
            Path almDir = work.resolve("alm");
            alm.alm().save(almDir);
            Files.copy(tokenizerFile, almDir.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
            log.printf(Locale.ROOT, "  fitted ALM' in %.0f s (loss %.4f -> %.4f)%n", (System.nanoTime() - t0) / 1e9,
                    alm.losses().get(0), alm.losses().get(alm.losses().size() - 1));

            List<String> fp = factualityPrompts(factualityPrompt, setup.fpPrompts());
            CausalLM largest = family.get(family.size() - 1);
            CausalLM smallest = family.get(0);
            List<Row> rows = new ArrayList<>();
            for (CausalLM m : family) {
                rows.add(evaluate("greedy d" + m.config().hiddenSize(), m, tok, facts, fp, setup,
                        n -> GenerationConfig.greedy(n), log));
            }
            rows.add(evaluate("top-p 0.9 (largest)", largest, tok, facts, fp, setup,
                    n -> GenerationConfig.sampling(n, 1.0, 0, 0.9, setup.seed()), log));
            Decoding cd = Decoding.of(Decoding.Method.CD);
            rows.add(evaluate("CD greedy (largest vs smallest, alpha 0.1, tau 0.5)", largest, tok, facts, fp, setup,
                    n -> GenerationConfig.greedy(n).withProcessors(cd.processors(largest, smallest)), log));
            Decoding apd = Decoding.of(Decoding.Method.APD);
            rows.add(evaluate("APD sampled (largest + ALM', p 0.6, k 20, T 1)", largest, tok, facts, fp, setup,
                    n -> GenerationConfig.sampling(n, 1.0, 0, 1.0, setup.seed())
                            .withProcessors(apd.processors(largest, alm.alm())), log));
            rows.add(evaluate("APD greedy (largest + ALM')", largest, tok, facts, fp, setup,
                    n -> GenerationConfig.greedy(n).withProcessors(apd.processors(largest, alm.alm())), log));
            return new Outcome(rows, sweep(largest, smallest, alm.alm(), tok, facts, setup, log));
        }
    }

    /** The training records: each fact sentence as raw text (an empty question, the sentence as the answer). */
    static List<QaRecord> records(List<Fact> facts) {
        return facts.stream().map(f -> QaRecord.of("", f.sentence())).toList();
    }

    /**
     * The ids the family trains on, one example per fact (BOS + sentence + EOS with {@code template=raw}), checked
     * uncut: a sentence longer than the training max_length is an error, not a silently shortened fact.
     */
    static List<Example> trainingExamples(Tokenizer tok, List<Fact> facts, Setup setup) {
        Settings settings = FinetuneJob.defaults().with(setup.training(0));
        List<Example> examples = FinetuneJob.examples(tok, records(facts), settings);
        for (int i = 0; i < facts.size(); i++) {
            int full = PromptTemplate.RAW.promptIds(tok, facts.get(i).sentence()).length
                    + (tok.eosId().isPresent() ? 1 : 0);
            if (examples.get(i).length() < full) {
                throw new IllegalArgumentException("decoding study fact " + i + " (\"" + facts.get(i).sentence()
                        + "\") has " + full + " tokens with BOS and EOS but max_length is "
                        + settings.integer("max_length") + "; raise max_length in DecodingStudy.Setup.training");
            }
        }
        return examples;
    }

    /** The ids a prompt is decoded from: encoded as the family's training text starts (BOS + text). */
    static List<int[]> promptIds(Tokenizer tok, List<String> prompts) {
        return prompts.stream().map(p -> PromptTemplate.RAW.promptIds(tok, p)).toList();
    }

    static final int BATCH = 16;

    /** What trained a family model (config, settings, number of facts): a folder with the same stamp is reused. */
    static final String STAMP = "study-stamp.txt";

    /** Factual accuracy on the facts, then distinct-n, repetition and tokens/s on the FactualityPrompt prompts. */
    static Row evaluate(String name, CausalLM model, Tokenizer tok, List<Fact> facts, List<String> fp, Setup setup,
                        Function<Integer, GenerationConfig> config, PrintStream log) {
        Generator gen = new Generator(model, tok);
        double accuracy = factualAccuracy(gen, facts, config.apply(setup.factTokens()));
        List<String> texts = new ArrayList<>();
        long tokens = 0;
        long t0 = System.nanoTime();
        for (int at = 0; at < fp.size(); at += BATCH) {
            for (Generation g : gen.generate(promptIds(tok, fp.subList(at, Math.min(fp.size(), at + BATCH))),
                    config.apply(setup.fpTokens()).withEosIds())) {
                texts.add(g.text());
                tokens += g.ids().length;
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Row row = new Row(name, accuracy, TextDiversity.distinct(texts, 1),
                TextDiversity.distinct(texts, 2), TextDiversity.seqRepetition(texts, 4), tokens / seconds);
        log.printf(Locale.ROOT, "  %s: factual accuracy %.3f, %d FactualityPrompt tokens in %.1f s%n", name,
                row.factualAccuracy(), tokens, seconds);
        return row;
    }

    /** The share of facts whose continuation (decoded from BOS + cloze) starts with the fact's object. */
    static double factualAccuracy(Generator gen, List<Fact> facts, GenerationConfig config) {
        int correct = 0;
        for (int at = 0; at < facts.size(); at += BATCH) {
            List<Fact> part = facts.subList(at, Math.min(facts.size(), at + BATCH));
            List<Generation> out = gen.generate(promptIds(gen.tokenizer(), part.stream().map(Fact::prompt).toList()),
                    config);
            for (int i = 0; i < part.size(); i++) {
                if (out.get(i).text().strip().startsWith(part.get(i).answer())) {
                    correct++;
                }
            }
        }
        return (double) correct / facts.size();
    }

    /**
     * The held-out sweep (greedy decoding): CD's tau (alpha 0.1) and APD's T (p 0.6, k 20) are chosen on the facts
     * at even positions (the first best wins a tie) and reported, with the largest model's greedy decoding, on the
     * facts at odd positions.
     */
    static List<SweepRow> sweep(CausalLM largest, CausalLM smallest, CausalLM alm, Tokenizer tok, List<Fact> facts,
                                Setup setup, PrintStream log) {
        List<Fact> tune = new ArrayList<>();
        List<Fact> report = new ArrayList<>();
        for (int i = 0; i < facts.size(); i++) {
            (i % 2 == 0 ? tune : report).add(facts.get(i));
        }
        Generator gen = new Generator(largest, tok);
        GenerationConfig greedy = GenerationConfig.greedy(setup.factTokens());
        List<SweepRow> rows = new ArrayList<>();
        rows.add(new SweepRow("greedy (largest)", "-", factualAccuracy(gen, tune, greedy),
                factualAccuracy(gen, report, greedy)));
        Decoding cd = Decoding.of(Decoding.Method.CD);
        Decoding apd = Decoding.of(Decoding.Method.APD);
        List<List<Decoding>> methods = List.of(
                Arrays.stream(setup.cdTaus()).mapToObj(tau -> new Decoding(Decoding.Method.CD, cd.alpha(), tau,
                        cd.cdTopK(), cd.apdTopP(), cd.apdTopK(), cd.apdTemperature())).toList(),
                Arrays.stream(setup.apdTemperatures()).mapToObj(t -> new Decoding(Decoding.Method.APD, apd.alpha(),
                        apd.amateurTemperature(), apd.cdTopK(), apd.apdTopP(), apd.apdTopK(), t)).toList());
        for (List<Decoding> candidates : methods) {
            double[] tuned = new double[candidates.size()];
            int best = 0;
            for (int c = 0; c < candidates.size(); c++) {
                tuned[c] = factualAccuracy(gen, tune, greedy.withProcessors(secondRun(candidates.get(c), largest,
                        smallest, alm)));
                best = tuned[c] > tuned[best] ? c : best;
            }
            for (int c = 0; c < candidates.size(); c++) {
                Decoding d = candidates.get(c);
                double reported = c == best ? factualAccuracy(gen, report, greedy.withProcessors(secondRun(d, largest,
                        smallest, alm))) : Double.NaN;
                rows.add(new SweepRow(d.method() == Decoding.Method.CD ? "CD greedy (alpha 0.1)" : "APD greedy (p 0.6,"
                        + " k 20)", d.method() == Decoding.Method.CD ? "tau " + d.amateurTemperature() : "T "
                        + d.apdTemperature(), tuned[c], reported));
                log.printf(Locale.ROOT, "  sweep %s %s: tuning half %.3f, reporting half %.3f%n",
                        rows.get(rows.size() - 1).method(), rows.get(rows.size() - 1).setting(), tuned[c], reported);
            }
        }
        return rows;
    }

    /** A decoding's processors over the largest model and its second model (CD: the smallest, APD: ALM'). */
    private static LogitsProcessor[] secondRun(Decoding d, CausalLM largest, CausalLM smallest, CausalLM alm) {
        return d.processors(largest, d.method() == Decoding.Method.CD ? smallest : alm);
    }

    /** The tables of docs/results.md: the comparison, then the held-out sweep. */
    public static String table(Outcome outcome) {
        StringBuilder sb = new StringBuilder(table(outcome.rows()));
        sb.append("\n| decoding | setting | accuracy, tuning half | accuracy, reporting half |\n"
                + "| --- | --- | ---: | ---: |\n");
        for (SweepRow r : outcome.sweep()) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %s |%n", r.method(), r.setting(),
                    r.tuneAccuracy(), Double.isNaN(r.reportAccuracy()) ? "-"
                            : String.format(Locale.ROOT, "%.3f", r.reportAccuracy())));
        }
        return sb.toString();
    }

    /** The comparison table. */
    public static String table(List<Row> rows) {
        StringBuilder sb = new StringBuilder("| decoding | factual accuracy | distinct-1 | distinct-2 | seq-rep-4 |"
                + " tokens/s |\n| --- | ---: | ---: | ---: | ---: | ---: |\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %.3f | %.0f |%n", r.method(),
                    r.factualAccuracy(), r.distinct1(), r.distinct2(), r.repetition(), r.tokensPerSecond()));
        }
        return sb.toString();
    }
}
