package dev.lethe.unlearn.job;

import dev.lethe.optim.rule.WeightedSum;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.unlearn.data.Encoder;
import dev.lethe.unlearn.data.Example;
import dev.lethe.unlearn.data.PreferenceRecord;
import dev.lethe.unlearn.objective.Dpo;
import dev.lethe.unlearn.recipe.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Preference optimisation on (prompt, chosen, rejected) pairs with the {@link Dpo} objective against a frozen copy of
 * the starting model: the chosen and rejected answers of a pair are in the same row of their batches. Settings are
 * the fine-tuning ones plus {@code beta} (0.1) and {@code paper_scale} (false: open-unlearning's 2/beta scaling; true:
 * the paper's -log sigmoid). Saves a Hugging Face folder and metrics.jsonl, and resumes after a kill as the other
 * jobs do.
 */
public final class DpoJob {
    /** Inputs of a DPO run. */
    public record Inputs(CausalLM model, Tokenizer tokenizer, List<PreferenceRecord> pairs, Settings settings,
                         Path out, boolean progressBar, Consumer<Map<String, Object>> listener) {
    }

    private DpoJob() {
    }

    /** Fine-tuning defaults with beta 0.1, open-unlearning's scaling. */
    public static Settings defaults() {
        Map<String, String> m = new LinkedHashMap<>(FinetuneJob.defaults().asMap());
        m.put("beta", "0.1");
        m.put("paper_scale", "false");
        return new Settings(m);
    }

    /** The chosen and rejected answers encoded with the run's template: {chosen, rejected}, pair k at index k. */
    public static List<List<Example>> encode(Tokenizer tok, Settings s, List<PreferenceRecord> pairs) {
        Encoder enc = UnlearnJob.encoder(tok, s);
        List<Example> chosen = new ArrayList<>(pairs.size());
        List<Example> rejected = new ArrayList<>(pairs.size());
        for (PreferenceRecord p : pairs) {
            chosen.add(enc.encode(p.prompt(), p.chosen()));
            rejected.add(enc.encode(p.prompt(), p.rejected()));
        }
        return List.of(chosen, rejected);
    }

    public static TrainingRun.Outcome run(Inputs in) throws IOException {
        Settings s = in.settings();
        List<List<Example>> enc = encode(in.tokenizer(), s, in.pairs());
        Dpo dpo = new Dpo(s.number("beta"), s.flag("paper_scale"), "chosen", "rejected");
        Files.createDirectories(in.out());
        TrainingRun.Outcome outcome = TrainingRun.run(new TrainingRun.Spec(in.model(), in.model().frozenCopy(),
                Map.of("dpo", dpo), new WeightedSum(Map.of("dpo", 1.0)), "chosen",
                Map.of("chosen", enc.get(0), "rejected", enc.get(1)), UnlearnJob.padId(in.tokenizer()), in.out(),
                in.progressBar(), in.listener(), Set.of("rejected")), s);
        in.model().save(in.out());
        Files.deleteIfExists(in.out().resolve("checkpoint.safetensors"));
        return outcome;
    }
}
