package dev.lethe.eval.metrics;

import java.util.Locale;

/**
 * SemEval-2025 Task 4 knowledge score (official {@code evaluate_generations.py}): 1 when
 * {@code gen.strip().lower() == gt.strip().lower()} on the whole generation, else 0. {@code strip} removes what Python's
 * {@code str.isspace} calls whitespace at both ends (this differs from {@link String#strip()} for e.g. U+001C..U+001F and
 * U+0085), and lower-casing uses the root locale.
 */
public final class ExactMatch {

    private ExactMatch() {
    }

    /** 1.0 when the stripped, lower-cased strings are equal, else 0.0. */
    public static double score(String generation, String groundTruth) {
        return normalize(generation).equals(normalize(groundTruth)) ? 1.0 : 0.0;
    }

    /** Python {@code s.strip().lower()}. */
    public static String normalize(String s) {
        if (s == null) {
            throw new IllegalArgumentException("exact match: text is null; pass an empty string for no text");
        }
        int from = 0;
        int to = s.length();
        while (from < to && isPythonSpace(s.charAt(from))) {
            from++;
        }
        while (to > from && isPythonSpace(s.charAt(to - 1))) {
            to--;
        }
        return s.substring(from, to).toLowerCase(Locale.ROOT);
    }

    /** Python's {@code str.isspace} for BMP characters (bidirectional class WS/B/S or category Zs). */
    static boolean isPythonSpace(char c) {
        if (c >= 0x09 && c <= 0x0D) {
            return true;
        }
        if (c >= 0x1C && c <= 0x20) {
            return true;
        }
        return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029
                || c == 0x202F || c == 0x205F || c == 0x3000;
    }
}
