package dev.lethe.unlearn.job;

import dev.lethe.engine.Tensor;
import dev.lethe.optim.rule.WeightedSum;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.unlearn.data.Example;
import dev.lethe.unlearn.objective.Distillation;
import dev.lethe.unlearn.recipe.Plan;
import dev.lethe.unlearn.recipe.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * UNDO's stages 2 and 3 after an unlearning run (arXiv 2506.06278, §3; algorithms.md 5.13): the unlearned model
 * becomes a frozen teacher; the model itself is noised once, W ← (1 − α)·W + α·β·N with N ~ Xavier-uniform for
 * matrices (vectors are only shrunk, N = 0), and then trained to match the teacher's outputs ({@link Distillation})
 * on the retain data for a fixed number of steps with AdamW. Runs in {@code out/distill}.
 */
public final class UndoStage {
    private UndoStage() {
    }

    /** Noises {@code model} and distills the frozen copy taken first into it; returns the distillation outcome. */
    public static TrainingRun.Outcome run(CausalLM model, Plan.NoiseAndDistill cfg, List<Example> data, int padId,
            Path out, Settings s, boolean progressBar, Consumer<Map<String, Object>> listener) throws IOException {
        if (data.isEmpty()) {
            throw new IllegalArgumentException("UNDO distills on retain data; pass --retain FILE");
        }
        CausalLM teacher = model.frozenCopy();
        noise(model, cfg.alpha(), cfg.beta(), s.integer("seed"));
        Settings d = s.with(Map.of("lr", Double.toString(cfg.lr()), "max_steps", Integer.toString(cfg.steps()),
                "epochs", Integer.toString(cfg.steps()), "warmup_epochs", "0", "trainable", ".*"));
        Path work = out.resolve("distill");
        TrainingRun.Outcome o = TrainingRun.run(new TrainingRun.Spec(model, teacher,
                Map.of("distill", Distillation.onOutputs("retain")), new WeightedSum(Map.of("distill", 1.0)), "retain",
                Map.of("retain", data), padId, work, progressBar, listener), d);
        Files.deleteIfExists(work.resolve("checkpoint.safetensors"));
        return o;
    }

    /** W ← (1 − α) W + α β N, N ~ U(−a, a) with a = √(6 / (fan_in + fan_out)) for 2-D weights, N = 0 otherwise. */
    public static void noise(CausalLM model, double alpha, double beta, long seed) {
        SplittableRandom r = new SplittableRandom(seed * 31 + 7);
        for (Tensor p : model.parameters().values()) {
            INDArray w = p.value();
            w.muli(1 - alpha);
            if (w.rank() != 2 || alpha * beta == 0) {
                continue;
            }
            double a = Math.sqrt(6.0 / (w.size(0) + w.size(1)));
            double[] n = new double[(int) w.length()];
            for (int i = 0; i < n.length; i++) {
                n[i] = alpha * beta * a * (2 * r.nextDouble() - 1);
            }
            w.addi(Nd4j.createFromArray(n).reshape(w.shape()).castTo(w.dataType()));
        }
    }
}
