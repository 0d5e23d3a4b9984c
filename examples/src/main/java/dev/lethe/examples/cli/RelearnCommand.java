package dev.lethe.examples.cli;

import dev.lethe.transformer.model.CausalLM;
import dev.lethe.unlearn.data.QaRecord;
import dev.lethe.unlearn.job.RelearnAttack;
import dev.lethe.unlearn.job.TrainingRun;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lethe relearn --model DIR --data FILE --samples N --steps S --lr LR [--seed S] [--batch B] --out DIR}: the
 * relearning attack of arXiv 2502.05374 ({@link RelearnAttack}): plain NLL fine-tuning on N forget records drawn with
 * the seed, for S AdamW steps at a constant LR; writes the attacked Hugging Face folder and metrics.jsonl to DIR.
 */
@Command(name = "relearn", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Relearning attack: fine-tune an unlearned model on a few forget samples.")
public final class RelearnCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Unlearned Hugging Face model folder.")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "FILE",
            description = "Forget records (TOFU question/answer or LUME/SemEval id,input,output,task JSON lines).")
    Path data;

    @Option(names = "--samples", required = true, paramLabel = "N", description = "Records drawn for the attack.")
    int samples;

    @Option(names = "--steps", required = true, paramLabel = "S", description = "Optimizer steps.")
    int steps;

    @Option(names = "--lr", required = true, paramLabel = "LR", description = "AdamW learning rate (constant).")
    double lr;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed of the sample draw and"
            + " the batch order (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "4", description = "Batch size (default"
            + " ${DEFAULT-VALUE}).")
    int batch;

    @Mixin
    TrainingOutput output;

    @Override
    public Integer call() throws IOException {
        if (steps <= 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--steps must be >= 1");
        }
        if (batch <= 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--batch must be >= 1");
        }
        if (!(lr > 0) || !Double.isFinite(lr)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--lr must be a positive number");
        }
        CausalLM lm = UnlearnCommandSupport.loadModel(model, "--model");
        List<QaRecord> records = UnlearnCommandSupport.readRecords(data, "--data");
        if (samples <= 0 || samples > records.size()) {
            throw new IllegalArgumentException("--samples must be in [1, " + records.size() + "] (" + data + " has "
                    + records.size() + " records), got " + samples);
        }
        try (TrainingOutput.Run run = output.openFresh("lethe relearn", model)) {
            TrainingRun.Outcome o = RelearnAttack.run(lm, run.tokenizer(), records, samples, steps, lr, seed,
                    Math.min(batch, samples), output.out, output.progress());
            output.printSummary(spec.commandLine().getOut(), "relearn (" + samples + " samples)", o.steps(),
                    o.lastMetrics());
        }
        return 0;
    }
}
