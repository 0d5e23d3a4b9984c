package dev.lethe.scale;

import dev.lethe.eval.Progress;
import dev.lethe.eval.tofu.MiaResult;
import dev.lethe.eval.tofu.TofuItem;
import dev.lethe.eval.tofu.TofuResult;
import dev.lethe.eval.tofu.TofuRunner;
import dev.lethe.eval.tofu.TofuSettings;
import dev.lethe.eval.tofu.TofuSplit;
import dev.lethe.eval.tofu.TofuSplitResult;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * TOFU evaluation with its work spread over Spark tasks: one task per set (forget, retain, ...) and one for the
 * membership inference (forget vs holdout), each running {@link TofuRunner} on the same batches as a single process
 * would, so merging their results with {@link TofuResult#aggregate} gives exactly the single-process result. The
 * model folder, tokenizer and set files must be readable on every executor. Items of one set are not split further.
 */
public final class DistributedTofu {
    /** A set to evaluate: its name and kind as in {@link TofuSplit#read}, its file and item limit (0: all). */
    public record SetSpec(String name, TofuSplit.Kind kind, String file, int limit) implements Serializable {
    }

    private DistributedTofu() {
    }

    /** Same arguments as {@link TofuRunner#run}, by path; {@code holdoutFile} null: no MIA (all its items). */
    public static TofuResult run(JavaSparkContext sc, String modelDir, String tokenizerFile, TofuSettings settings,
            List<SetSpec> sets, String holdoutFile, double[] retainForgetTruthRatios) {
        return run(sc, modelDir, tokenizerFile, settings, sets, holdoutFile, 0, retainForgetTruthRatios, null);
    }

    /**
     * As above, with the holdout file's item limit (0: all) and the folder of the reference model of the
     * reference-model MIA ({@link TofuRunner}'s {@code reference}; TOFU: the retain model), or null for none.
     */
    public static TofuResult run(JavaSparkContext sc, String modelDir, String tokenizerFile, TofuSettings settings,
            List<SetSpec> sets, String holdoutFile, int holdoutLimit, double[] retainForgetTruthRatios,
            String referenceModelDir) {
        SetSpec forget = sets.stream().filter(s -> s.name().equals("forget")).findFirst().orElse(null);
        if (holdoutFile != null && forget == null) {
            throw new IllegalArgumentException("the membership inference needs the forget set (members) besides the"
                    + " holdout set; add a set named 'forget'");
        }
        int jobs = sets.size() + (holdoutFile == null ? 0 : 1);
        List<Serializable> parts = ModelTasks.run(sc, modelDir, tokenizerFile, jobs, (j, model, tok) -> part(j, model,
                tok, settings, sets, forget, holdoutFile, holdoutLimit, referenceModelDir));
        List<TofuSplitResult> results = new ArrayList<>();
        for (int i = 0; i < sets.size(); i++) {
            results.add((TofuSplitResult) parts.get(i));
        }
        MiaResult mia = holdoutFile == null ? null : (MiaResult) parts.get(sets.size());
        return TofuResult.aggregate(results, retainForgetTruthRatios, mia);
    }

    /** Job j: set j's results, or (j == sets.size()) the MIA. */
    private static Serializable part(int j, CausalLM model, Tokenizer tok, TofuSettings settings, List<SetSpec> sets,
            SetSpec forget, String holdoutFile, int holdoutLimit, String referenceModelDir) throws Exception {
        if (j < sets.size()) {
            return new TofuRunner(model, tok, settings, Progress.NONE).evaluate(split(sets.get(j)));
        }
        CausalLM reference = referenceModelDir == null ? null : CausalLM.load(Path.of(referenceModelDir));
        return new TofuRunner(model, tok, settings, Progress.NONE, reference).mia(split(forget).items(),
                TofuItem.read(Path.of(holdoutFile), holdoutLimit));
    }

    private static TofuSplit split(SetSpec s) throws java.io.IOException {
        return TofuSplit.read(s.name(), s.kind(), Path.of(s.file()), s.limit());
    }
}
