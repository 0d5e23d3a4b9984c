package dev.lethe.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.eval.edit.AnswerScores;
import dev.lethe.eval.edit.CounterFactMetrics;
import dev.lethe.eval.edit.EditReport;
import dev.lethe.eval.edit.MquakeMetrics;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import dev.lethe.unlearn.edit.EditFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/**
 * {@code lethe eval --benchmark mquake|counterfact --model DIR --data FILE [--baseline MODEL_DIR] [--holdout-text FILE]
 * [--limit N] --out DIR}: MQuAKE or CounterFact-style scores of an edited model ({@link MquakeMetrics},
 * {@link CounterFactMetrics}), with the unedited model's when {@code --baseline} names a model folder, and the
 * perplexity of the {@code --holdout-text} texts (unrelated to the edits) for both.
 */
@CommandLine.Command // a mixin of eval without flags of its own (it uses --holdout-text of muse)
final class EditBenchmark implements EvalBenchmark {
    @Override
    public List<String> names() {
        return List.of("mquake", "counterfact");
    }

    @Override
    public int run(EvalCommand c) throws IOException {
        if (c.model == null || c.data == null) {
            throw new CommandLine.ParameterException(c.spec.commandLine(), "--benchmark " + c.benchmark
                    + " needs --model DIR and --data FILE (MQuAKE or CounterFact records)");
        }
        if (c.baseline != null && !Files.isRegularFile(c.baseline.resolve("config.json"))) {
            throw new CommandLine.ParameterException(c.spec.commandLine(), "--baseline " + c.baseline + ": for "
                    + c.benchmark + " give the unedited model folder (config.json + safetensors)");
        }
        List<JsonNode> records = new ArrayList<>();
        JsonNode root = new ObjectMapper().readTree(c.data.toFile());
        root.forEach(records::add);
        if (c.limit > 0 && c.limit < records.size()) {
            records = records.subList(0, c.limit);
        }
        List<String> unrelated = c.muse.holdoutText == null ? null : EditFiles.readTexts(c.muse.holdoutText);
        try (Tokenizer tok = Tokenizers.load(c.tokenizer != null ? c.tokenizer : c.model)) {
            Object[] edited = score(c, CausalLM.load(c.model), tok, records, unrelated);
            Object[] base = c.baseline == null ? new Object[2] : score(c, CausalLM.load(c.baseline), tok, records,
                    unrelated);
            EditReport.write(c.out, c.benchmark, c.model, (Record) edited[0], (Record) base[0], (Double) edited[1],
                    (Double) base[1]);
            c.spec.commandLine().getOut().println(edited[0] + (base[0] == null ? "" : "\nbaseline: " + base[0])
                    + "\n-> " + c.out.resolve("report.html"));
        }
        return 0;
    }

    private static Object[] score(EvalCommand c, CausalLM model, Tokenizer tok, List<JsonNode> records,
            List<String> unrelated) {
        AnswerScores s = new AnswerScores(model, tok);
        Record metrics = c.benchmark.equals("mquake") ? MquakeMetrics.of(s, records)
                : CounterFactMetrics.of(s, records);
        return new Object[] {metrics, unrelated == null ? null : s.perplexity(unrelated, c.maxLength)};
    }
}
