package dev.lethe.examples.cli;

import dev.lethe.transformer.generate.GuidanceHead;
import dev.lethe.transformer.generate.GuidanceHeadFiles;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.unlearn.data.QaRecord;
import dev.lethe.unlearn.job.GuidanceHeadTraining;
import dev.lethe.unlearn.recipe.Settings;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lethe t3 train --model DIR --forget FILE --retain FILE --out DIR [--set k=v]...}: trains T3's guidance head
 * (arXiv 2602.10217; {@link GuidanceHeadTraining}) on the frozen model's hidden states and saves it to DIR
 * ({@link GuidanceHeadFiles}); {@code lethe generate --model DIR --guidance-head OUT} then decodes with temper-then-tilt.
 * The model is not changed. Settings: {@link GuidanceHeadTraining#defaults()}.
 */
@Command(name = "t3", mixinStandardHelpOptions = true, subcommands = T3Command.Train.class,
        description = "T3 (temper-then-tilt): train a guidance head for decoding-time unlearning.")
public final class T3Command implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: lethe t3 train ...");
    }

    /** {@code lethe t3 train}. */
    @Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Train a guidance head separating forget from retain tokens and save it.")
    public static final class Train implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face model folder.")
        Path model;

        @Option(names = "--forget", required = true, paramLabel = "FILE", description = "Forget records (JSON lines).")
        Path forget;

        @Option(names = "--retain", required = true, paramLabel = "FILE", description = "Retain records (JSON lines).")
        Path retain;

        @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a setting (repeatable): hidden,"
                + " steps, lr, weight_decay, seed, template, max_length, base_temperature, guidance_scale.")
        List<String> sets = new ArrayList<>();

        @Option(names = "--tokenizer", paramLabel = "PATH", description = "Tokenizer (default: the model folder's).")
        Path tokenizer;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for the head.")
        Path out;

        @Override
        public Integer call() throws IOException {
            Settings s = GuidanceHeadTraining.defaults().with(sets);
            CausalLM lm = UnlearnCommandSupport.loadModel(model, "--model");
            List<QaRecord> f = UnlearnCommandSupport.readRecords(forget, "--forget");
            List<QaRecord> r = UnlearnCommandSupport.readRecords(retain, "--retain");
            try (Tokenizer tok = UnlearnCommandSupport.loadTokenizer(tokenizer, model)) {
                GuidanceHead head = GuidanceHeadTraining.train(lm, tok, f, r, s);
                GuidanceHeadFiles.save(out, head, s.number("base_temperature"), s.number("guidance_scale"));
            }
            PrintWriter o = spec.commandLine().getOut();
            o.println("trained a guidance head (H " + s.integer("hidden") + ", " + s.integer("steps") + " steps) on "
                    + f.size() + " forget and " + r.size() + " retain records; wrote " + out.toAbsolutePath());
            o.flush();
            return 0;
        }
    }
}
