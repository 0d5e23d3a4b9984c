package dev.lethe.unlearn.job;

import dev.lethe.optim.rule.WeightedSum;
import dev.lethe.optim.train.RunFolderLock;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.unlearn.data.Example;
import dev.lethe.unlearn.data.QaRecord;
import dev.lethe.unlearn.objective.Objective;
import dev.lethe.unlearn.objective.RetainNll;
import dev.lethe.unlearn.recipe.Recipes;
import dev.lethe.unlearn.recipe.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Supervised fine-tuning on question/answer records (the loss on answer tokens only, prompt template configurable) or
 * plain text records (an empty prompt): mean NLL over answer tokens with AdamW, saved as a Hugging Face folder. The
 * same loop trains the demo's target and retain models and runs the relearning attack.
 */
public final class FinetuneJob {
    /** Inputs of a fine-tuning run. */
    public record Inputs(CausalLM model, Tokenizer tokenizer, List<QaRecord> records, Settings settings, Path out,
                         boolean progressBar, Consumer<Map<String, Object>> listener) {
    }

    private FinetuneJob() {
    }

    /**
     * Fine-tuning defaults: the shared training settings with lr 1e-5, 5 epochs, no weight decay, and
     * {@code record_steps} (0; K > 0 keeps LMCleaner's step records of the last K steps in {@code OUT/step_records}).
     */
    public static Settings defaults() {
        Map<String, String> all = new java.util.LinkedHashMap<>(Recipes.COMMON);
        all.put(TrainingRun.RECORD_STEPS, "0");
        Settings s = new Settings(all);
        return s.with(List.of("lr=1e-5", "epochs=5", "weight_decay=0", "warmup_epochs=0"));
    }

    /**
     * The token ids a fine-tuning run with settings {@code s} trains on: each record through the template, BOS/EOS rule
     * and max_length of {@code s} (what {@link #run} encodes).
     */
    public static List<Example> examples(Tokenizer tokenizer, List<QaRecord> records, Settings s) {
        return UnlearnJob.encoder(tokenizer, s).encodeAll(records);
    }

    public static TrainingRun.Outcome run(Inputs in) throws IOException {
        Settings s = LoraTraining.attach(in.model(), in.settings());
        if (!s.string("su").equals("none")) {
            throw new IllegalArgumentException("token selection (su) applies to unlearning, not fine-tuning");
        }
        List<Example> train = examples(in.tokenizer(), in.records(), s);
        Objective nll = new RetainNll("train");
        try (RunFolderLock lock = RunFolderLock.acquire(in.out(), "FinetuneJob")) {
            if (s.asMap().containsKey(TrainingRun.RECORD_STEPS) && s.integer(TrainingRun.RECORD_STEPS) != 0) {
                if (in.model().adapter() != null) {
                    throw new IllegalArgumentException("record_steps records full-parameter fine-tuning; set"
                            + " lora_rank=0");
                }
                LmCleanerJob.writeManifest(in.out().resolve(TrainingRun.STEP_RECORDS_DIR), in.records(), s);
            }
            TrainingRun.Outcome outcome = TrainingRun.run(new TrainingRun.Spec(in.model(), null, Map.of("train", nll),
                    new WeightedSum(Map.of("train", 1.0)), "train", Map.of("train", train),
                    UnlearnJob.padId(in.tokenizer()), in.out(), in.progressBar(), in.listener()), s);
            LoraTraining.save(in.model(), in.out());
            Files.deleteIfExists(in.out().resolve("checkpoint.safetensors"));
            return outcome;
        }
    }
}
