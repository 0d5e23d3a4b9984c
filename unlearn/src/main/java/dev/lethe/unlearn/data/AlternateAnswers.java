package dev.lethe.unlearn.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.transformer.generate.Generation;
import dev.lethe.transformer.generate.GenerationConfig;
import dev.lethe.transformer.generate.Generator;
import dev.lethe.transformer.tokenizer.PromptTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * AltPO's alternate answers (arXiv 2409.13474, §3.1; algorithms.md 5.15.5): for each forget question the model itself
 * writes {@code perQuestion} sampled answers that differ from the true one, each kept as a row {question, answer,
 * alternate} (JSON Lines, the format of open-unlearning's generation script). Style {@code instruct} shows the
 * question and its answer and asks for a plausible answer with different facts; style {@code question} samples answers
 * to the question alone, for small models that follow no instruction. Generations are cut at "Question:"/"Q:", and
 * empty ones or copies of the true answer are dropped.
 */
public final class AlternateAnswers {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BATCH = 16;

    /** One alternate answer to a forget question. */
    public record Row(String question, String answer, String alternate) {
    }

    private AlternateAnswers() {
    }

    /** The generation prompt for one forget record. */
    public static String prompt(String style, PromptTemplate template, QaRecord r) {
        return switch (style) {
            case "instruct" -> "Question: " + r.question() + "\nAnswer: " + r.answer() + "\nWrite another answer to"
                    + " this question in your own words. Keep the details the question gives, change every fact the"
                    + " answer adds, and keep it plausible.\nAlternate answer:";
            case "question" -> template.prompt(r.question());
            default -> throw new IllegalArgumentException("setting 'alt_prompt' must be instruct or question, got '"
                    + style + "'");
        };
    }

    /** Samples {@code perQuestion} alternates per forget record (temperature {@code temperature}, no top-k/top-p). */
    public static List<Row> generate(Generator gen, PromptTemplate template, List<QaRecord> forget, String style,
            int perQuestion, int maxNewTokens, double temperature, long seed) {
        if (perQuestion < 1 || maxNewTokens < 1) {
            throw new IllegalArgumentException("settings 'alt_per_question' and 'alt_max_new_tokens' must be >= 1");
        }
        List<Row> rows = new ArrayList<>();
        for (int k = 0; k < perQuestion; k++) {
            for (int start = 0; start < forget.size(); start += BATCH) {
                List<QaRecord> part = forget.subList(start, Math.min(forget.size(), start + BATCH));
                List<String> prompts = new ArrayList<>();
                part.forEach(r -> prompts.add(prompt(style, template, r)));
                GenerationConfig cfg = GenerationConfig.sampling(maxNewTokens, temperature, 0, 1.0,
                        seed + 1_000_003L * k + start).withStopStrings("Question:", "Q:");
                List<Generation> out = gen.generateText(prompts, cfg);
                for (int i = 0; i < part.size(); i++) {
                    String text = out.get(i).text() == null ? "" : out.get(i).text().strip();
                    if (!text.isEmpty() && !text.equals(part.get(i).answer().strip())) {
                        rows.add(new Row(part.get(i).question(), part.get(i).answer(), text));
                    }
                }
            }
        }
        return rows;
    }

    /** Reads rows with string fields question, answer and alternate. */
    public static List<Row> read(Path file) throws IOException {
        List<Row> rows = new ArrayList<>();
        for (JsonLines.Row r : JsonLines.read(file)) {
            rows.add(new Row(r.text("question"), r.text("answer"), r.text("alternate")));
        }
        return rows;
    }

    public static void write(Path file, List<Row> rows) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Row r : rows) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("question", r.question());
            m.put("answer", r.answer());
            m.put("alternate", r.alternate());
            sb.append(JSON.writeValueAsString(m)).append('\n');
        }
        Files.writeString(file, sb.toString());
    }

    /** The rows whose question is a forget question; every forget question must have at least one. */
    public static List<Row> covering(List<Row> rows, List<QaRecord> forget, String source) {
        Set<String> wanted = new LinkedHashSet<>();
        forget.forEach(r -> wanted.add(r.question()));
        List<Row> kept = new ArrayList<>();
        Set<String> covered = new LinkedHashSet<>();
        for (Row r : rows) {
            if (wanted.contains(r.question())) {
                kept.add(r);
                covered.add(r.question());
            }
        }
        wanted.removeAll(covered);
        if (!wanted.isEmpty()) {
            throw new IllegalArgumentException(source + ": no alternate answer for " + wanted.size() + " forget"
                    + " question(s), e.g. \"" + wanted.iterator().next() + "\"; generate them (alternates=generate) or"
                    + " add rows {question, answer, alternate}");
        }
        return kept;
    }
}
