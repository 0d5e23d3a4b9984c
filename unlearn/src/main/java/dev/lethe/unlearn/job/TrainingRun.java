package dev.lethe.unlearn.job;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.ParameterSet;
import dev.lethe.engine.Tensor;
import dev.lethe.optim.AdamW;
import dev.lethe.optim.LrSchedule;
import dev.lethe.optim.Trainable;
import dev.lethe.optim.rule.StepContext;
import dev.lethe.optim.rule.TapeOracle;
import dev.lethe.optim.rule.UpdateRule;
import dev.lethe.optim.train.StepRecords;
import dev.lethe.optim.train.Trainer;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.unlearn.data.Example;
import dev.lethe.unlearn.objective.LossContext;
import dev.lethe.unlearn.objective.Objective;
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
 * Trains a model with named objectives and an update rule over paired example sets, with AdamW, a warm-up schedule,
 * optional clipping and accumulation, JSON-lines metrics and an atomic checkpoint to resume from: the loop under
 * {@code lethe unlearn}, {@code lethe finetune} and the relearning attack. Only parameters matching the trainable regex
 * get gradients; the rest are frozen for the run (and unfrozen afterwards). {@code recompute=true} recomputes each
 * decoder block's activations in backward (bit-identical gradients, less memory, one more forward per step). The path
 * from a recipe to a gradient is walked through in {@link dev.lethe.unlearn}'s package documentation.
 */
public final class TrainingRun {
    /**
     * What a run needs besides settings. {@code alignedSets} are drawn record-for-record with the primary set (DPO's
     * rejected answers beside the chosen ones); the other sets cycle on their own.
     */
    public record Spec(CausalLM model, CausalLM reference, Map<String, Objective> objectives, UpdateRule rule,
                       String primarySet, Map<String, List<Example>> sets, int padId, Path workDir,
                       boolean progressBar, Consumer<Map<String, Object>> listener, Set<String> alignedSets) {
        public Spec(CausalLM model, CausalLM reference, Map<String, Objective> objectives, UpdateRule rule,
                String primarySet, Map<String, List<Example>> sets, int padId, Path workDir, boolean progressBar,
                Consumer<Map<String, Object>> listener) {
            this(model, reference, objectives, rule, primarySet, sets, padId, workDir, progressBar, listener, Set.of());
        }
    }

    /** The last metrics line and the number of optimizer steps. */
    public record Outcome(long steps, Map<String, Object> lastMetrics, List<Map<String, Object>> history) {
    }

    /** The setting that turns on step records, and the folder of the run they go to. */
    static final String RECORD_STEPS = "record_steps";
    static final String STEP_RECORDS_DIR = "step_records";

    private TrainingRun() {
    }

    public static Outcome run(Spec spec, Settings s) throws IOException {
        CausalLM model = spec.model();
        String regex = s.string("trainable");
        List<Tensor> all = new ArrayList<>(model.parameters().values());
        List<Tensor> trainable = Trainable.select(all, regex);
        if (trainable.isEmpty()) {
            throw new IllegalArgumentException("trainable='" + regex + "' matches no parameter of this model (e.g. "
                    + all.get(0).name() + ")");
        }
        for (Tensor t : all) {
            t.requiresGrad(trainable.contains(t));
        }
        boolean recomputed = model.recomputesActivations();
        model.recomputeActivations(s.flag("recompute"));
        try {
            return train(spec, s, trainable);
        } finally {
            model.recomputeActivations(recomputed);
            for (Tensor t : all) {
                t.requiresGrad(!model.sixteenBitWeights().contains(t.name())); // 16-bit base weights stay frozen
            }
        }
    }

    /** The gradient oracle of one micro-batch: each named objective bound to this batch and recorded on a tape. */
    private static TapeOracle oracle(Spec spec, Map<String, Objective> objectives, StepBatches batch,
                                     List<Tensor> trainable, BufferPool pool, long dropoutSeed) {
        Map<String, TapeOracle.TapeLoss> losses = new LinkedHashMap<>();
        objectives.forEach((name, objective) -> losses.put(name, tape -> {
            if (spec.model().adapter() != null) {
                // the same LoRA dropout masks for every evaluation of a step, whatever ran before (bit-exact resume)
                spec.model().adapter().train(dropoutSeed);
            }
            return objective.loss(new LossContext(tape, spec.model(), spec.reference(), batch.batches()));
        }));
        return new TapeOracle(trainable, losses, pool);
    }

    /**
     * LMCleaner's step records when the settings ask for them ({@code record_steps} = K > 0, a fine-tuning setting):
     * the last K steps' updates, lr and record ids in {@code workDir/step_records}; null otherwise.
     */
    static StepRecords stepRecords(Path workDir, Settings s) {
        if (!s.asMap().containsKey(RECORD_STEPS) || s.integer(RECORD_STEPS) == 0) {
            return null;
        }
        return StepRecords.create(workDir.resolve(STEP_RECORDS_DIR), s.integer(RECORD_STEPS));
    }

    private static Outcome train(Spec spec, Settings s, List<Tensor> trainable) throws IOException {
        PairedBatchSource source = new PairedBatchSource(spec.primarySet(), spec.sets(), spec.alignedSets(),
                s.integer("batch_size"),
                spec.padId(), s.integer("seed"));
        int accum = s.integer("grad_accum");
        long stepsPerEpoch = Math.max(1, source.batchesPerEpoch() / accum);
        long total = stepsPerEpoch * s.integer("epochs");
        if (s.integer("max_steps") > 0) {
            total = Math.min(total, s.integer("max_steps"));
        }
        // warm-up in optimizer steps when given, else in epochs: two runs compared at equal steps (a target and a
        // retain model on sets of different sizes) must warm up for the same number of steps
        long warmup = s.integer("warmup_steps") > 0 ? s.integer("warmup_steps")
                : Math.round(s.number("warmup_epochs") * stepsPerEpoch);
        LrSchedule schedule = switch (s.string("schedule")) {
            case "constant" -> LrSchedule.constant(warmup);
            case "linear" -> LrSchedule.linear(warmup, total);
            case "cosine" -> LrSchedule.cosine(warmup, total);
            default -> throw new IllegalArgumentException("schedule must be constant, linear or cosine, got '"
                    + s.string("schedule") + "'");
        };
        BufferPool pool = new BufferPool();
        Map<String, Objective> objectives = spec.objectives();
        ParameterSet params = ParameterSet.values(trainable);
        Files.createDirectories(spec.workDir());
        List<Map<String, Object>> history = new ArrayList<>();
        StepRecords records = stepRecords(spec.workDir(), s);
        Trainer<StepBatches> trainer = Trainer.builder(params, spec.rule(),
                        new AdamW(s.number("lr"), 0.9, 0.999, 1e-8, s.number("weight_decay")), source,
                        (StepBatches batch, StepContext ctx) -> oracle(spec, objectives, batch, trainable, pool,
                                s.integer("seed") * 1_000_003L + ctx.step()))
                .learningRate(s.number("lr"), schedule)
                .clipNorm(s.number("clip_norm"))
                .accumulation(accum)
                .epochs(s.integer("epochs"))
                .maxSteps(s.integer("max_steps"))
                .metrics(spec.workDir().resolve("metrics.jsonl"))
                .checkpoint(spec.workDir().resolve("checkpoint.safetensors"), Math.max(1, stepsPerEpoch))
                .progressBar(spec.progressBar())
                .seed(s.integer("seed"))
                .recordSteps(records)
                .listener(line -> {
                    history.add(line);
                    if (spec.listener() != null) {
                        spec.listener().accept(line);
                    }
                })
                .build();
        Path ckpt = spec.workDir().resolve("checkpoint.safetensors");
        if (Files.isRegularFile(ckpt)) {
            trainer.resume(ckpt);
        } else if (records != null) {
            records.dropFrom(0); // a fresh run: records of an earlier run in this folder are stale
        }
        try {
            trainer.run();
        } finally {
            if (spec.model().adapter() != null) {
                spec.model().adapter().eval();
            }
        }
        spec.rule().finish(params); // e.g. weight averaging, wherever it sits in the rule, puts the average in place
        return new Outcome(trainer.step(), history.isEmpty() ? Map.of() : history.get(history.size() - 1), history);
    }
}
