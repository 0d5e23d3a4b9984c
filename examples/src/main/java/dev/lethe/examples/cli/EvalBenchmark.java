package dev.lethe.examples.cli;

import java.io.IOException;
import java.util.List;

/**
 * One benchmark of {@code lethe eval}: a class whose picocli {@code @Option} fields are its own flags (it is a
 * {@code @Mixin} of {@link EvalCommand}, so they are flags of {@code lethe eval}), and whose {@link #run} evaluates,
 * writes the report through {@link EvalCommand#finish} and returns the exit code. The options every benchmark shares
 * (--model, --data, --limit, --batch, --out, ...) and the helpers are {@link EvalCommand}'s.
 */
interface EvalBenchmark {
    /** The {@code --benchmark} names this class answers to. */
    List<String> names();

    /** The --max-length default (tokens) when the flag is not given. */
    default int defaultMaxLength() {
        return 512;
    }

    /** Runs the benchmark with the shared options and helpers of {@code eval}. */
    int run(EvalCommand eval) throws IOException;
}
