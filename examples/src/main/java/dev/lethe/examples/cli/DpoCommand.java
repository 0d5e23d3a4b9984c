package dev.lethe.examples.cli;

import dev.lethe.aidsafe.PreferenceMargin;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.unlearn.data.PreferenceRecord;
import dev.lethe.unlearn.job.DpoJob;
import dev.lethe.unlearn.job.TrainingRun;
import dev.lethe.unlearn.recipe.Settings;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lethe dpo --model DIR --data PAIRS.jsonl --out DIR [--set k=v]...}: DPO ({@link DpoJob}) on preference pairs
 * ({@code prompt}, {@code chosen}, {@code rejected}, e.g. from {@code lethe aidsafe pairs}); prints the
 * chosen-vs-rejected log-ratio ({@link PreferenceMargin}) before and after, which DPO should raise.
 */
@Command(name = "dpo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Direct preference optimisation on (prompt, chosen, rejected) pairs.")
public final class DpoCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face model folder.")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "JSON lines with prompt, chosen,"
            + " rejected.")
    Path data;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a setting (repeatable): the"
            + " fine-tuning ones (lr, epochs, batch_size, max_steps, template, ...) plus beta (0.1) and paper_scale.")
    List<String> sets = new ArrayList<>();

    @Mixin
    TrainingOutput output;

    @Override
    public Integer call() throws IOException {
        Settings s = DpoJob.defaults().with(sets);
        List<PreferenceRecord> pairs = PreferenceRecord.read(data);
        CausalLM lm = UnlearnCommandSupport.loadModel(model, "--model");
        PrintWriter o = spec.commandLine().getOut();
        try (TrainingOutput.Run run = output.openFresh("lethe dpo", model)) {
            Tokenizer tok = run.tokenizer();
            double before = PreferenceMargin.mean(lm, tok, s, pairs);
            TrainingRun.Outcome r = DpoJob.run(new DpoJob.Inputs(lm, tok, pairs, s, output.out, output.progress(),
                    null));
            double after = PreferenceMargin.mean(lm, tok, s, pairs);
            output.printSummary(o, "dpo on " + pairs.size() + " pairs", r.steps(), r.lastMetrics());
            o.printf(Locale.ROOT, "chosen-vs-rejected log-ratio: before %.4f, after %.4f (change %+.4f)%n", before,
                    after, after - before);
            o.flush();
        }
        return 0;
    }
}
