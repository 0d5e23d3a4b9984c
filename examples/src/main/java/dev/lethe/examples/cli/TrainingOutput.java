package dev.lethe.examples.cli;

import dev.lethe.optim.train.RunFolderLock;
import dev.lethe.transformer.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The options and the start every training command shares ({@code distill}, {@code dpo}, {@code finetune},
 * {@code relearn}, {@code unlearn}; a picocli mixin): {@code --tokenizer}, {@code --out}, {@code --progress}, and
 * {@link #open}/{@link #openFresh}, which take the run-folder lock of {@code --out} before anything in it is touched.
 * A command whose help for {@code --tokenizer} or {@code --out} says more names it in its resource bundle under the
 * keys {@code tokenizer} and {@code out} (see DistillCommand.properties).
 */
final class TrainingOutput {

    @Option(names = "--tokenizer", paramLabel = "PATH", descriptionKey = "tokenizer",
            description = "Tokenizer (default: the model folder's).")
    Path tokenizer;

    @Option(names = "--out", required = true, paramLabel = "DIR", descriptionKey = "out",
            description = "Output folder.")
    Path out;

    @Option(names = "--progress", negatable = true, description = "Progress bar on stderr (default: when a terminal"
            + " is attached).")
    Boolean progress;

    /** The output folder, locked, and the tokenizer; closing releases both. */
    record Run(RunFolderLock lock, Tokenizer tokenizer) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            try (RunFolderLock l = lock) {
                tokenizer.close();
            }
        }
    }

    /** Locks {@code --out} for {@code holder} (e.g. "lethe dpo") and opens the tokenizer ({@code --tokenizer}, else the model folder's). */
    Run open(String holder, Path modelDir) throws IOException {
        RunFolderLock lock = RunFolderLock.acquire(out, holder);
        try {
            return new Run(lock, UnlearnCommandSupport.loadTokenizer(tokenizer, modelDir));
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /** {@link #open}, then removes a previous run's metrics.jsonl and checkpoint so that the run starts afresh. */
    Run openFresh(String holder, Path modelDir) throws IOException {
        Run run = open(holder, modelDir);
        Files.deleteIfExists(out.resolve("metrics.jsonl"));
        Files.deleteIfExists(out.resolve("checkpoint.safetensors"));
        return run;
    }

    /** Shows the progress bar unless --no-progress, or when no terminal is attached. */
    boolean progress() {
        return progress != null ? progress : System.console() != null;
    }

    /** Prints the run's summary ({@link UnlearnCommandSupport#printSummary}) naming {@code --out}. */
    void printSummary(PrintWriter o, String what, long steps, Map<String, Object> lastMetrics) {
        UnlearnCommandSupport.printSummary(o, what, steps, lastMetrics, out);
    }
}
