package dev.lethe.examples.cli;

import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import dev.lethe.unlearn.apd.AlmFit;
import dev.lethe.unlearn.data.Example;
import dev.lethe.unlearn.data.QaRecord;
import dev.lethe.unlearn.job.FinetuneJob;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lethe apd fit --family DIR1,DIR2,DIR3[,...] --corpus FILE --out DIR [--steps N] [--top-k K] [--batch B]
 * [--length T] [--lr LR] [--seed S]}: trains ALM' for APD decoding ({@link AlmFit}) on a text corpus (one document per
 * non-empty line, encoded with the family's tokenizer as BOS + line + EOS; windows start at a line's BOS) and saves
 * it, with the tokenizer, to DIR; then
 * {@code lethe generate --model LARGEST --decoding apd --alm DIR} decodes with it.
 */
@Command(name = "apd", mixinStandardHelpOptions = true, subcommands = ApdCommand.Fit.class,
        description = "APD (asymptotic probability decoding): train ALM' for a model family.")
public final class ApdCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: lethe apd fit ...");
    }

    /** {@code lethe apd fit}. */
    @Command(name = "fit", mixinStandardHelpOptions = true,
            description = "Train ALM' (a copy of the family's smallest model) on the APD curve loss.")
    public static final class Fit implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--family", required = true, split = ",", paramLabel = "DIRS",
                description = "Model folders of one family (same tokenizer), at least 3, any order.")
        List<Path> family;

        @Option(names = "--corpus", required = true, paramLabel = "FILE",
                description = "Text file, one document per non-empty line.")
        Path corpus;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where ALM' is saved.")
        Path out;

        @Option(names = "--steps", paramLabel = "N", description = "AdamW steps (default 300).")
        int steps = AlmFit.Settings.defaults().steps();

        @Option(names = "--top-k", paramLabel = "K", description = "Candidates per position (default 10).")
        int topK = AlmFit.Settings.defaults().topK();

        @Option(names = "--batch", paramLabel = "B", description = "Windows per step (default 4).")
        int batch = AlmFit.Settings.defaults().batch();

        @Option(names = "--length", paramLabel = "T", description = "Tokens per window (default 32).")
        int length = AlmFit.Settings.defaults().length();

        @Option(names = "--lr", paramLabel = "LR", description = "Learning rate (default 1e-3).")
        double lr = AlmFit.Settings.defaults().lr();

        @Option(names = "--seed", paramLabel = "S", description = "Seed (default 0).")
        long seed;

        @Override
        public Integer call() throws IOException {
            PrintWriter log = spec.commandLine().getOut();
            List<CausalLM> models = new ArrayList<>();
            for (Path d : family) {
                if (!Files.isRegularFile(d.resolve("config.json"))) {
                    throw new IllegalArgumentException(d + ": no config.json; --family takes Hugging Face model"
                            + " folders separated by commas");
                }
                models.add(CausalLM.load(d));
            }
            if (!Files.isRegularFile(corpus)) {
                throw new IllegalArgumentException(corpus + ": no such file (--corpus takes a text file, one document"
                        + " per line)");
            }
            List<int[]> documents = encodeCorpus(corpus, AlmFit.family(models).get(0).sourceDir());
            AlmFit.Result r = AlmFit.fit(models, documents,
                    new AlmFit.Settings(topK, steps, batch, length, lr, AlmFit.Settings.defaults().hidden(), seed),
                    line -> {
                        log.println(line);
                        log.flush();
                    });
            r.alm().save(out);
            log.printf("ALM' saved to %s (final loss %.5f); decode with: lethe generate --model LARGEST --decoding apd"
                    + " --alm %s%n", out, r.losses().get(r.losses().size() - 1), out);
            log.flush();
            return 0;
        }
    }

    /**
     * Every non-empty line of a text file encoded as fine-tuning on raw text encodes it ({@code template=raw}: BOS +
     * line + EOS, uncut), with the tokenizer of {@code modelDir}: one document per line.
     */
    static List<int[]> encodeCorpus(Path file, Path modelDir) throws IOException {
        List<QaRecord> lines = Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank())
                .map(l -> QaRecord.of("", l.strip())).toList();
        try (Tokenizer tok = Tokenizers.load(modelDir)) {
            return FinetuneJob.examples(tok, lines, FinetuneJob.defaults().with(List.of("template=raw",
                    "max_length=" + Integer.MAX_VALUE))).stream().map(Example::ids).toList();
        }
    }
}
