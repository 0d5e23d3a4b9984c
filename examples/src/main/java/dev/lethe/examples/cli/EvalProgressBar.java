package dev.lethe.examples.cli;

import dev.lethe.eval.Progress;
import java.io.PrintWriter;

/**
 * A text progress bar for long evaluations on the error stream: one line per stage, redrawn in place with
 * {@code \r} ({@code forget: probabilities [#########-----------]  45/100  12 s}), finished with a newline.
 */
final class EvalProgressBar implements Progress {
    private static final int WIDTH = 30;
    private final PrintWriter err;
    private final long start = System.nanoTime();
    private String stage;

    EvalProgressBar(PrintWriter err) {
        this.err = err;
    }

    @Override
    public void update(String stage, int done, int total) {
        if (this.stage != null && !this.stage.equals(stage)) {
            err.println();
        }
        this.stage = stage;
        int fill = total <= 0 ? WIDTH : (int) ((long) WIDTH * done / total);
        String bar = "#".repeat(fill) + "-".repeat(WIDTH - fill);
        long s = (System.nanoTime() - start) / 1_000_000_000L;
        err.print(String.format("\r%-28s [%s] %5d/%-5d %4d s", stage, bar, done, total, s));
        if (done >= total) {
            err.println();
            this.stage = null;
        }
        err.flush();
    }
}
