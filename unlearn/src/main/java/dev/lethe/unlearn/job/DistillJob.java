package dev.lethe.unlearn.job;

import dev.lethe.optim.rule.WeightedSum;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.unlearn.data.Encoder;
import dev.lethe.unlearn.data.Example;
import dev.lethe.unlearn.data.QaRecord;
import dev.lethe.unlearn.objective.Distillation;
import dev.lethe.unlearn.recipe.Recipes;
import dev.lethe.unlearn.recipe.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Distils a teacher into a student on question/answer or plain text records ({@link Distillation}: KL on
 * temperature-softened logits, optionally mixed with the hard-label NLL): to shrink a model after unlearning, or to
 * build a family of smaller models from one. The teacher is held frozen without a copy; the student trains like a
 * fine-tuning run (AdamW, schedule, checkpoints, LoRA if asked) and is saved as a Hugging Face folder.
 */
public final class DistillJob {
    /** Inputs of a distillation run; the tokenizer encodes for both models. */
    public record Inputs(CausalLM teacher, CausalLM student, Tokenizer tokenizer, List<QaRecord> records,
                         Settings settings, Path out, boolean progressBar, Consumer<Map<String, Object>> listener) {
    }

    private DistillJob() {
    }

    /** The fine-tuning defaults plus {@code temperature} (2) and {@code hard_weight} (0: soft targets only). */
    public static Settings defaults() {
        Map<String, String> m = new LinkedHashMap<>(Recipes.COMMON);
        m.put("temperature", "2");
        m.put("hard_weight", "0");
        return new Settings(m).with(List.of("lr=1e-4", "epochs=3", "weight_decay=0", "warmup_epochs=0"));
    }

    public static TrainingRun.Outcome run(Inputs in) throws IOException {
        if (in.teacher().config().vocabSize() != in.student().config().vocabSize()) {
            throw new IllegalArgumentException("teacher vocab_size " + in.teacher().config().vocabSize()
                    + " != student vocab_size " + in.student().config().vocabSize() + " (config.json): distillation"
                    + " needs models that share a tokenizer");
        }
        Settings s = LoraTraining.attach(in.student(), in.settings());
        if (!s.string("su").equals("none")) {
            throw new IllegalArgumentException("token selection (su) applies to unlearning, not distillation");
        }
        Encoder enc = UnlearnJob.encoder(in.tokenizer(), s);
        List<Example> train = enc.encodeAll(in.records());
        Distillation kd = new Distillation("train", s.number("temperature"), s.number("hard_weight"));
        Files.createDirectories(in.out());
        TrainingRun.Outcome outcome = TrainingRun.run(new TrainingRun.Spec(in.student(), in.teacher().frozenView(),
                Map.of("train", kd), new WeightedSum(Map.of("train", 1.0)), "train", Map.of("train", train),
                UnlearnJob.padId(in.tokenizer()), in.out(), in.progressBar(), in.listener()), s);
        LoraTraining.save(in.student(), in.out());
        Files.deleteIfExists(in.out().resolve("checkpoint.safetensors"));
        return outcome;
    }
}
