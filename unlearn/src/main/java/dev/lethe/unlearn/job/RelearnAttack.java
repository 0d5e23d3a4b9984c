package dev.lethe.unlearn.job;

import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.unlearn.data.QaRecord;
import dev.lethe.unlearn.recipe.Settings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The relearning attack of arXiv 2502.05374 (sec. 4.5 of algorithms.md): plain NLL fine-tuning of an unlearned model on
 * a few forget samples drawn at random (seeded) for a fixed number of steps with AdamW; a robust unlearning method
 * keeps the forget set forgotten afterwards.
 */
public final class RelearnAttack {
    private RelearnAttack() {
    }

    public static TrainingRun.Outcome run(CausalLM model, Tokenizer tok, List<QaRecord> forget, int samples, int steps,
            double lr, long seed, int batchSize, Path out, boolean progressBar) throws IOException {
        return run(model, tok, forget, samples, steps, lr, seed, batchSize, List.of(), out, progressBar);
    }

    /**
     * The attack with further fine-tuning settings ({@code key=value}, applied last), e.g. {@code template=raw} for
     * completion data whose records are not questions.
     */
    public static TrainingRun.Outcome run(CausalLM model, Tokenizer tok, List<QaRecord> forget, int samples, int steps,
            double lr, long seed, int batchSize, List<String> settings, Path out, boolean progressBar)
            throws IOException {
        if (samples <= 0 || samples > forget.size()) {
            throw new IllegalArgumentException("--samples must be in [1, " + forget.size() + "], got " + samples);
        }
        List<QaRecord> pool = new ArrayList<>(forget);
        Collections.shuffle(pool, new Random(seed));
        List<QaRecord> picked = pool.subList(0, samples);
        int batches = (samples + batchSize - 1) / batchSize;
        int epochs = (steps + batches - 1) / batches;
        Settings s = FinetuneJob.defaults().with(List.of("lr=" + lr, "epochs=" + epochs, "max_steps=" + steps,
                "batch_size=" + batchSize, "seed=" + seed, "schedule=constant")).with(settings);
        return FinetuneJob.run(new FinetuneJob.Inputs(model, tok, picked, s, out, progressBar, null));
    }
}
