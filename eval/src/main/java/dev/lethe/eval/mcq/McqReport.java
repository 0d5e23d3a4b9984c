package dev.lethe.eval.mcq;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.eval.report.Json;
import dev.lethe.eval.report.ModelChecksum;
import java.nio.file.Path;
import java.util.Map;

/**
 * report.json of a multiple-choice run: {@code headline.accuracy} (mean over all questions, open-instruct's
 * {@code average_acc}; also as {@code headline.mmlu} for MMLU), per-subject accuracies and every question's option
 * log-probabilities and prediction.
 */
public final class McqReport {

    private McqReport() {
    }

    public static ObjectNode build(String benchmark, McqBenchmark bench, McqEvaluator.Result r, Path modelDir,
                                   ModelChecksum checksum, Map<String, Object> settings) {
        ObjectNode root = Json.reportHeader(benchmark, modelDir, checksum, settings);
        ObjectNode head = root.putObject("headline");
        head.put("accuracy", r.accuracy());
        if (benchmark.equals("mmlu")) {
            head.put("mmlu", r.accuracy());
        }
        ObjectNode res = root.putObject("results");
        res.put("accuracy", r.accuracy());
        res.put("correct", r.correct());
        res.put("total", r.total());
        res.put("truncated_contexts", r.truncated());
        ObjectNode subs = res.putObject("subjects");
        r.subjects().forEach((k, v) -> {
            ObjectNode o = subs.putObject(k);
            o.put("accuracy", v[0]);
            o.put("correct", (int) v[1]);
            o.put("total", (int) v[2]);
        });
        ArrayNode items = res.putArray("items");
        for (int i = 0; i < r.total(); i++) {
            McqItem it = bench.items().get(i);
            McqEvaluator.Scored s = r.scored().get(i);
            ObjectNode o = items.addObject();
            o.put("subject", it.subject());
            o.put("question", it.question());
            o.put("answer", it.answer());
            o.put("prediction", s.prediction());
            ArrayNode lp = o.putArray("log_probs");
            for (double v : s.logProbs()) {
                lp.add(v);
            }
            o.put("truncated", s.truncated());
        }
        return root;
    }
}
