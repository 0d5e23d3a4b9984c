package dev.lethe.scale;

import dev.lethe.eval.Progress;
import dev.lethe.eval.mcq.McqEvaluator;
import dev.lethe.eval.mcq.McqItem;
import java.io.Serializable;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Multiple-choice evaluation with its work spread over Spark tasks: task j of {@code parts} runs
 * {@link McqEvaluator#score} part j (every parts-th batch, the questions scored option by option in task 0), on the
 * same batches as one evaluation; the driver merges the scores and tallies them with {@link McqEvaluator#result}, so
 * the result is exactly the single-process one. The model folder and tokenizer file must be readable on every
 * executor; the questions and prompts travel with the tasks.
 */
public final class DistributedMcq {
    private DistributedMcq() {
    }

    /** Same as {@link McqEvaluator#evaluate}, with the model and tokenizer by path, in {@code parts} tasks. */
    public static McqEvaluator.Result run(JavaSparkContext sc, String modelDir, String tokenizerFile, int batchSize,
            boolean addSpecialTokens, List<McqItem> items, List<String> contexts, int parts) {
        if (parts < 1) {
            throw new IllegalArgumentException("parts must be >= 1, got " + parts);
        }
        // copies: a subList does not serialise
        List<McqItem> its = List.copyOf(items);
        List<String> ctx = List.copyOf(contexts);
        List<Serializable> scores = ModelTasks.run(sc, modelDir, tokenizerFile, parts, (j, model, tok) ->
                new McqEvaluator(model, tok, batchSize, addSpecialTokens).score(its, ctx, j, parts, Progress.NONE));
        McqEvaluator.Scored[] merged = new McqEvaluator.Scored[its.size()];
        for (Serializable part : scores) {
            McqEvaluator.Scored[] s = (McqEvaluator.Scored[]) part;
            for (int i = 0; i < merged.length; i++) {
                if (s[i] != null) {
                    merged[i] = s[i];
                }
            }
        }
        return McqEvaluator.result(its, merged);
    }
}
