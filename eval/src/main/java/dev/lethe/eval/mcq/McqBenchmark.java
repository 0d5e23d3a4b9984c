package dev.lethe.eval.mcq;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds the questions and prompts of a multiple-choice benchmark: MMLU (test split, {@code shots} solved examples
 * from the first rows of the subject's dev split) or a WMDP-format JSON file (zero-shot, as lm-eval's WMDP tasks).
 */
public record McqBenchmark(List<McqItem> items, List<String> contexts) {

    /** MMLU over the subjects (all when null/empty), at most {@code limit} questions per subject (0: all). */
    public static McqBenchmark mmlu(Path dir, List<String> subjects, int shots, int limit) throws IOException {
        if (shots < 0) {
            throw new IllegalArgumentException("--shots must be >= 0, got " + shots);
        }
        List<McqItem> items = new ArrayList<>();
        List<String> ctx = new ArrayList<>();
        for (Map.Entry<String, List<McqItem>> e : McqData.mmluTest(dir, subjects, limit).entrySet()) {
            List<McqItem> dev = shots == 0 ? List.of() : McqData.mmlu(dir, e.getKey(), "dev");
            if (dev.size() < shots) {
                throw new IllegalArgumentException("subject " + e.getKey() + ": " + shots + " shots asked but its dev"
                        + " split has " + dev.size() + " questions; use --shots " + dev.size() + " or fewer");
            }
            for (McqItem it : e.getValue()) {
                items.add(it);
                ctx.add(McqPrompt.context(e.getKey(), dev.subList(0, shots), it));
            }
        }
        return new McqBenchmark(List.copyOf(items), List.copyOf(ctx));
    }

    /** A WMDP-format JSON file, zero-shot; {@code subject} (e.g. "biology") names the description, or null. */
    public static McqBenchmark json(Path file, String subject, int limit) throws IOException {
        List<McqItem> all = McqData.json(file, subject);
        List<McqItem> items = limit > 0 && all.size() > limit ? all.subList(0, limit) : all;
        List<String> ctx = new ArrayList<>();
        for (McqItem it : items) {
            ctx.add(McqPrompt.context(subject, List.of(), it));
        }
        return new McqBenchmark(List.copyOf(items), List.copyOf(ctx));
    }
}
