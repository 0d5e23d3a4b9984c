package dev.lethe.scale;

import dev.lethe.eval.Progress;
import dev.lethe.eval.muse.MiaScores;
import dev.lethe.eval.muse.MuseData;
import dev.lethe.eval.muse.MuseResult;
import dev.lethe.eval.muse.MuseRunner;
import dev.lethe.eval.muse.MuseSettings;
import dev.lethe.eval.muse.PrivLeakResult;
import dev.lethe.eval.muse.VerbMemItems;
import dev.lethe.transformer.tokenizer.Tokenizer;
import java.io.Serializable;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * MUSE evaluation with its work spread over Spark tasks: one task each for VerbMem, KnowMem on the forget and the
 * retain QA, and the membership scores of the forget and of the holdout texts, each running {@link MuseRunner} on the
 * same batches as a single process would; the driver assembles them as {@link MuseRunner#run} does, so the result is
 * exactly the single-process one. The model folder and tokenizer file must be readable on every executor; the data
 * travels with the tasks.
 */
public final class DistributedMuse {
    private static final int VERBMEM = 0;
    private static final int KNOWMEM_FORGET = 1;
    private static final int KNOWMEM_RETAIN = 2;
    private static final int MIA_FORGET = 3;
    private static final int MIA_HOLDOUT = 4;

    private DistributedMuse() {
    }

    /** Same as {@link MuseRunner#run}, with the model and tokenizer by path. */
    public static MuseResult run(JavaSparkContext sc, String modelDir, String tokenizerFile, MuseSettings settings,
            MuseData data, PrivLeakResult.Reference reference) {
        List<Serializable> parts = ModelTasks.run(sc, modelDir, tokenizerFile, 5,
                (j, model, tok) -> part(j, new MuseRunner(model, tok, settings, Progress.NONE), tok, settings, data));
        PrivLeakResult leak = null;
        if (data.hasPrivLeak()) {
            leak = PrivLeakResult.of((MiaScores) parts.get(MIA_FORGET), (MiaScores) parts.get(MIA_HOLDOUT),
                    settings.privleakAttack(), settings.convention(),
                    reference == null ? PrivLeakResult.Reference.chance() : reference);
        }
        return new MuseResult((MuseResult.Generations) parts.get(VERBMEM),
                (MuseResult.Generations) parts.get(KNOWMEM_FORGET), (MuseResult.Generations) parts.get(KNOWMEM_RETAIN),
                leak);
    }

    /** Job j's part, or null when the data has no input for it. */
    private static Serializable part(int j, MuseRunner runner, Tokenizer tok, MuseSettings settings, MuseData data) {
        switch (j) {
            case VERBMEM -> {
                List<MuseData.Continuation> vm = data.verbmem();
                if (vm == null && data.forgetTexts() != null) {
                    vm = VerbMemItems.split(tok, data.forgetTexts(), settings.verbmemPromptTokens(), "forget text");
                }
                return vm == null ? null : runner.verbmem(vm);
            }
            case KNOWMEM_FORGET -> {
                return data.forgetQa() == null ? null
                        : runner.knowmem("knowmem_forget", data.forgetQa(), data.forgetIcl());
            }
            case KNOWMEM_RETAIN -> {
                return data.retainQa() == null ? null
                        : runner.knowmem("knowmem_retain", data.retainQa(), data.retainIcl());
            }
            case MIA_FORGET -> {
                return data.hasPrivLeak() ? runner.miaScores(data.forgetTexts(), "privleak: forget texts") : null;
            }
            default -> {
                return data.hasPrivLeak() ? runner.miaScores(data.holdoutTexts(), "privleak: holdout texts") : null;
            }
        }
    }
}
