package dev.lethe.examples.decoding;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Diversity of generated texts on whitespace-separated words: distinct-n (Li et al. 2016, arXiv 1510.03055: distinct
 * n-grams over all n-grams of all texts) and seq-rep-n (Welleck et al. 2019, arXiv 1908.04319, sec. 5: per text,
 * 1 - distinct n-grams / n-grams, averaged over the texts that have an n-gram).
 */
public final class TextDiversity {
    private TextDiversity() {
    }

    static List<List<String>> ngrams(String text, int n) {
        String[] w = text.strip().isEmpty() ? new String[0] : text.strip().split("\\s+");
        List<List<String>> out = new ArrayList<>();
        for (int i = 0; i + n <= w.length; i++) {
            out.add(List.of(w).subList(i, i + n));
        }
        return out;
    }

    /** distinct-n over a corpus of texts; 0 when there is no n-gram. */
    public static double distinct(List<String> texts, int n) {
        Set<List<String>> unique = new HashSet<>();
        long total = 0;
        for (String t : texts) {
            List<List<String>> g = ngrams(t, n);
            unique.addAll(g);
            total += g.size();
        }
        return total == 0 ? 0 : (double) unique.size() / total;
    }

    /** seq-rep-n: mean over texts of 1 - |unique n-grams| / |n-grams|. */
    public static double seqRepetition(List<String> texts, int n) {
        double sum = 0;
        int counted = 0;
        for (String t : texts) {
            List<List<String>> g = ngrams(t, n);
            if (!g.isEmpty()) {
                sum += 1 - (double) new HashSet<>(g).size() / g.size();
                counted++;
            }
        }
        return counted == 0 ? 0 : sum / counted;
    }
}
