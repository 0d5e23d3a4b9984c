package dev.lethe.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.engine.io.JsonRecords;
import dev.lethe.eval.metrics.Rouge;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lethe score rouge --input FILE.jsonl}: scores saved outputs with the exact {@code rouge_score} re-implementation
 * ({@link Rouge}, Porter stemming on): each input line {@code {"prediction": "...", "reference": "..."}} gives one output
 * line {@code {"rouge1_recall": .., "rougeL_recall": .., "rougeL_f1": ..}}, in input order.
 */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Score saved generations: rouge (one JSON line per input line).")
public final class ScoreCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "METRIC", description = "rouge")
    String metric;

    @Option(names = "--input", required = true, paramLabel = "FILE",
            description = "JSON lines with \"prediction\" and \"reference\".")
    Path input;

    @Option(names = "--no-stemmer", description = "Score without Porter stemming (default: stemming, as TOFU/OU).")
    boolean noStemmer;

    @Override
    public Integer call() throws IOException {
        if (!metric.equals("rouge")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "unknown metric '" + metric
                    + "'; available: rouge");
        }
        Rouge rouge = new Rouge(!noStemmer);
        ObjectMapper m = new ObjectMapper();
        PrintWriter out = spec.commandLine().getOut();
        for (JsonRecords.Record r : JsonRecords.read(input, "JSON lines with \"prediction\" and \"reference\""
                + " (--input)")) {
            String pred = field(r, "prediction");
            String ref = field(r, "reference");
            Rouge.Score r1 = rouge.rouge1(ref, pred);
            Rouge.Score rl = rouge.rougeL(ref, pred);
            ObjectNode o = m.createObjectNode();
            o.put("rouge1_recall", r1.recall());
            o.put("rougeL_recall", rl.recall());
            o.put("rougeL_f1", rl.fmeasure());
            out.println(m.writeValueAsString(o));
        }
        out.flush();
        return 0;
    }

    private static String field(JsonRecords.Record r, String name) throws IOException {
        JsonNode v = r.node().get(name);
        if (v == null || !v.isTextual()) {
            throw new IOException(r.at() + ": missing string field \"" + name
                    + "\" (each line: {\"prediction\": \"...\", \"reference\": \"...\"})");
        }
        return v.asText();
    }
}
