package dev.lethe.scale;

import dev.lethe.eval.Progress;
import dev.lethe.eval.semeval.LumeItem;
import dev.lethe.eval.semeval.SemEvalRunner;
import dev.lethe.eval.semeval.SemEvalScorer;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * SemEval-2025 Task 4's model side with its work spread over Spark tasks: one task each for the generations of the
 * forget and of the retain items and the MIA NLLs of the member and of the non-member documents, each running
 * {@link SemEvalRunner} on the same batches as a single process would; the driver assembles them as
 * {@link SemEvalRunner#run} does, so the outputs (and their scores) are exactly the single-process ones. The model
 * folder and tokenizer file must be readable on every executor; the items and documents travel with the tasks.
 */
public final class DistributedSemEval {
    private DistributedSemEval() {
    }

    /** Same as {@link SemEvalRunner#run}, with the model and tokenizer by path and the runner's settings. */
    public static SemEvalRunner.Outputs run(JavaSparkContext sc, String modelDir, String tokenizerFile, int batchSize,
            int maxNewTokens, int maxLength, List<LumeItem> forget, List<LumeItem> retain, List<String> members,
            List<String> nonMembers) {
        // copies: a subList does not serialise
        List<LumeItem> f = List.copyOf(forget);
        List<LumeItem> r = List.copyOf(retain);
        List<String> mem = members == null ? null : List.copyOf(members);
        List<String> non = members == null ? null : List.copyOf(nonMembers);
        List<Serializable> parts = ModelTasks.run(sc, modelDir, tokenizerFile, mem == null ? 2 : 4, (j, model, tok) -> {
            SemEvalRunner runner = new SemEvalRunner(model, tok, batchSize, maxNewTokens, maxLength, Progress.NONE);
            return switch (j) {
                case 0 -> new LinkedHashMap<>(runner.generate(f, SemEvalRunner.FORGET_STAGE));
                case 1 -> new LinkedHashMap<>(runner.generate(r, SemEvalRunner.RETAIN_STAGE));
                case 2 -> runner.documentNll(mem, SemEvalRunner.MEMBERS_STAGE);
                default -> runner.documentNll(non, SemEvalRunner.NON_MEMBERS_STAGE);
            };
        });
        @SuppressWarnings("unchecked")
        Map<String, String> gens = new LinkedHashMap<>((Map<String, String>) parts.get(0));
        @SuppressWarnings("unchecked")
        Map<String, String> retainGens = (Map<String, String>) parts.get(1);
        gens.putAll(retainGens);
        return new SemEvalRunner.Outputs(gens, mem == null ? null
                : new SemEvalScorer.MiaNlls((double[]) parts.get(2), (double[]) parts.get(3)));
    }
}
