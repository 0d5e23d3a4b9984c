package dev.lethe.eval.tofu;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * One TOFU evaluation set and how TOFU scores it (algorithms.md 10.2): its {@link Kind} fixes which answer is the
 * "correct" one of the truth ratio, whether the probability is plain or normalised over the options, and how truth
 * ratios are aggregated.
 *
 * @param name  the set's name in results ({@code forget}, {@code retain}, {@code real_authors}, {@code world_facts})
 * @param kind  how it is scored
 * @param file  where it was read from (may be null)
 * @param items its records
 */
public record TofuSplit(String name, Kind kind, Path file, List<TofuItem> items) {

    /** Scoring rules of a set. */
    public enum Kind {
        /** Forget set: plain probability, paraphrase vs perturbed, aggregate mean(min(TR, 1/TR)). */
        FORGET,
        /** Retain set: plain probability, paraphrase vs perturbed, aggregate mean(max(0, 1 - TR)). */
        RETAIN,
        /** Real authors / world facts: probability normalised over answer + perturbed, answer vs perturbed. */
        OPTIONS
    }

    public TofuSplit {
        items = List.copyOf(items);
        if (items.isEmpty()) {
            throw new IllegalArgumentException("TOFU set '" + name + "' has no items");
        }
        for (int i = 0; i < items.size(); i++) {
            TofuItem it = items.get(i);
            if (it.perturbedAnswers().isEmpty()) {
                throw new IllegalArgumentException("TOFU set '" + name + "' (" + file + ") item " + (i + 1)
                        + " has no perturbed_answer; use the *_perturbed.json files");
            }
            if (kind != Kind.OPTIONS && it.paraphrasedAnswer() == null) {
                throw new IllegalArgumentException("TOFU set '" + name + "' (" + file + ") item " + (i + 1)
                        + " has no paraphrased_answer; use the *_perturbed.json files");
            }
        }
    }

    public static TofuSplit read(String name, Kind kind, Path file, int limit) throws IOException {
        return new TofuSplit(name, kind, file, TofuItem.read(file, limit));
    }

    public static TofuSplit forget(Path file, int limit) throws IOException {
        return read("forget", Kind.FORGET, file, limit);
    }

    public static TofuSplit retain(Path file, int limit) throws IOException {
        return read("retain", Kind.RETAIN, file, limit);
    }

    public static TofuSplit realAuthors(Path file, int limit) throws IOException {
        return read("real_authors", Kind.OPTIONS, file, limit);
    }

    public static TofuSplit worldFacts(Path file, int limit) throws IOException {
        return read("world_facts", Kind.OPTIONS, file, limit);
    }
}
