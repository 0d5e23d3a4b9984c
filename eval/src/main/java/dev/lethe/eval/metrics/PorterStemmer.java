package dev.lethe.eval.metrics;

import java.util.Map;

/**
 * Porter suffix-stripping stemmer (M. F. Porter, "An algorithm for suffix stripping", Program 14(3), 1980) in the
 * variant that NLTK's {@code nltk.stem.porter.PorterStemmer} runs by default ({@code NLTK_EXTENSIONS} mode): the
 * paper's five steps plus Martin Porter's later changes ({@code bli -> ble}, {@code logi -> log}) and NLTK's own
 * additions (a small table of irregular forms, {@code ies/ied} on four-letter words, {@code y -> i} only after a
 * consonant that is not the first letter, the two-letter {@code *o} condition, {@code alli} rewriting, {@code fulli}).
 * This is the stemmer Google's {@code rouge_score} uses with {@code use_stemmer=True}. Input is expected in lower case
 * (as the ROUGE tokenizer supplies it); the class is stateless and thread-safe.
 */
public final class PorterStemmer {

    private static final Map<String, String> IRREGULAR = Map.ofEntries(
            Map.entry("sky", "sky"), Map.entry("skies", "sky"),
            Map.entry("dying", "die"), Map.entry("lying", "lie"), Map.entry("tying", "tie"),
            Map.entry("news", "news"),
            Map.entry("innings", "inning"), Map.entry("inning", "inning"),
            Map.entry("outings", "outing"), Map.entry("outing", "outing"),
            Map.entry("cannings", "canning"), Map.entry("canning", "canning"),
            Map.entry("howe", "howe"),
            Map.entry("proceed", "proceed"), Map.entry("exceed", "exceed"), Map.entry("succeed", "succeed"));

    /** A condition on the stem left after removing a suffix. */
    private interface Cond {
        boolean test(String stem);
    }

    /** One rule: suffix, replacement, condition (null: always). Suffix "*d" means "ends in a double consonant". */
    private record Rule(String suffix, String replacement, Cond cond) {
    }

    /** Stems one lower-case word. Words of one or two characters are returned unchanged. */
    public String stem(String word) {
        String lowered = word.toLowerCase(java.util.Locale.ROOT);
        String irregular = IRREGULAR.get(word);
        if (irregular != null) {
            return irregular;
        }
        if (word.length() <= 2) {
            return lowered;
        }
        String s = lowered;
        s = step1a(s);
        s = step1b(s);
        s = step1c(s);
        s = step2(s);
        s = step3(s);
        s = step4(s);
        s = step5a(s);
        s = step5b(s);
        return s;
    }

    // ---- letter classes and measures ----

    private static boolean isVowelLetter(char c) {
        return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
    }

    private static boolean isConsonant(String w, int i) {
        char c = w.charAt(i);
        if (isVowelLetter(c)) {
            return false;
        }
        if (c == 'y') {
            return i == 0 || !isConsonant(w, i - 1);
        }
        return true;
    }

    /** Number of vowel-to-consonant transitions ("vc" pairs) in the stem: the paper's m. */
    private static int measure(String stem) {
        int m = 0;
        boolean prevVowel = false;
        for (int i = 0; i < stem.length(); i++) {
            boolean consonant = isConsonant(stem, i);
            if (consonant && prevVowel) {
                m++;
            }
            prevVowel = !consonant;
        }
        return m;
    }

    private static boolean positiveMeasure(String stem) {
        return measure(stem) > 0;
    }

    private static boolean measureAboveOne(String stem) {
        return measure(stem) > 1;
    }

    private static boolean containsVowel(String stem) {
        for (int i = 0; i < stem.length(); i++) {
            if (!isConsonant(stem, i)) {
                return true;
            }
        }
        return false;
    }

    private static boolean endsDoubleConsonant(String w) {
        int n = w.length();
        return n >= 2 && w.charAt(n - 1) == w.charAt(n - 2) && isConsonant(w, n - 1);
    }

    /** Condition *o: consonant-vowel-consonant ending, last not w/x/y; NLTK also accepts a two-letter vowel-consonant word. */
    private static boolean endsCvc(String w) {
        int n = w.length();
        if (n >= 3 && isConsonant(w, n - 3) && !isConsonant(w, n - 2) && isConsonant(w, n - 1)) {
            char last = w.charAt(n - 1);
            if (last != 'w' && last != 'x' && last != 'y') {
                return true;
            }
        }
        return n == 2 && !isConsonant(w, 0) && isConsonant(w, 1);
    }

    private static String cut(String w, String suffix) {
        return w.substring(0, w.length() - suffix.length());
    }

    /** Applies the first rule whose suffix matches; if its condition fails the word is returned unchanged. */
    private static String applyFirst(String word, Rule... rules) {
        for (Rule r : rules) {
            if (r.suffix.equals("*d") && endsDoubleConsonant(word)) {
                String stem = word.substring(0, word.length() - 2);
                return (r.cond == null || r.cond.test(stem)) ? stem + r.replacement : word;
            }
            if (word.endsWith(r.suffix)) {
                String stem = cut(word, r.suffix);
                return (r.cond == null || r.cond.test(stem)) ? stem + r.replacement : word;
            }
        }
        return word;
    }

    // ---- the steps ----

    private static String step1a(String w) {
        if (w.endsWith("ies") && w.length() == 4) {
            return cut(w, "ies") + "ie";
        }
        return applyFirst(w,
                new Rule("sses", "ss", null),
                new Rule("ies", "i", null),
                new Rule("ss", "ss", null),
                new Rule("s", "", null));
    }

    private static String step1b(String w) {
        if (w.endsWith("ied")) {
            return cut(w, "ied") + (w.length() == 4 ? "ie" : "i");
        }
        if (w.endsWith("eed")) {
            String stem = cut(w, "eed");
            return measure(stem) > 0 ? stem + "ee" : w;
        }
        String inter = null;
        for (String suffix : new String[] {"ed", "ing"}) {
            if (w.endsWith(suffix)) {
                String candidate = cut(w, suffix);
                if (containsVowel(candidate)) {
                    inter = candidate;
                    break;
                }
            }
        }
        if (inter == null) {
            return w;
        }
        final String stemmed = inter;
        char last = stemmed.charAt(stemmed.length() - 1);
        return applyFirst(stemmed,
                new Rule("at", "ate", null),
                new Rule("bl", "ble", null),
                new Rule("iz", "ize", null),
                new Rule("*d", String.valueOf(last), s -> last != 'l' && last != 's' && last != 'z'),
                new Rule("", "e", s -> measure(s) == 1 && endsCvc(s)));
    }

    private static String step1c(String w) {
        return applyFirst(w, new Rule("y", "i", s -> s.length() > 1 && isConsonant(s, s.length() - 1)));
    }

    private static String step2(String w) {
        if (w.endsWith("alli") && positiveMeasure(cut(w, "alli"))) {
            return step2(cut(w, "alli") + "al");
        }
        final String word = w;
        return applyFirst(w,
                new Rule("ational", "ate", PorterStemmer::positiveMeasure),
                new Rule("tional", "tion", PorterStemmer::positiveMeasure),
                new Rule("enci", "ence", PorterStemmer::positiveMeasure),
                new Rule("anci", "ance", PorterStemmer::positiveMeasure),
                new Rule("izer", "ize", PorterStemmer::positiveMeasure),
                new Rule("bli", "ble", PorterStemmer::positiveMeasure),
                new Rule("alli", "al", PorterStemmer::positiveMeasure),
                new Rule("entli", "ent", PorterStemmer::positiveMeasure),
                new Rule("eli", "e", PorterStemmer::positiveMeasure),
                new Rule("ousli", "ous", PorterStemmer::positiveMeasure),
                new Rule("ization", "ize", PorterStemmer::positiveMeasure),
                new Rule("ation", "ate", PorterStemmer::positiveMeasure),
                new Rule("ator", "ate", PorterStemmer::positiveMeasure),
                new Rule("alism", "al", PorterStemmer::positiveMeasure),
                new Rule("iveness", "ive", PorterStemmer::positiveMeasure),
                new Rule("fulness", "ful", PorterStemmer::positiveMeasure),
                new Rule("ousness", "ous", PorterStemmer::positiveMeasure),
                new Rule("aliti", "al", PorterStemmer::positiveMeasure),
                new Rule("iviti", "ive", PorterStemmer::positiveMeasure),
                new Rule("biliti", "ble", PorterStemmer::positiveMeasure),
                new Rule("fulli", "ful", PorterStemmer::positiveMeasure),
                // NLTK tests the measure of the word without "ogi" (i.e. the stem plus its final "l").
                new Rule("logi", "log", s -> positiveMeasure(word.substring(0, word.length() - 3))));
    }

    private static String step3(String w) {
        return applyFirst(w,
                new Rule("icate", "ic", PorterStemmer::positiveMeasure),
                new Rule("ative", "", PorterStemmer::positiveMeasure),
                new Rule("alize", "al", PorterStemmer::positiveMeasure),
                new Rule("iciti", "ic", PorterStemmer::positiveMeasure),
                new Rule("ical", "ic", PorterStemmer::positiveMeasure),
                new Rule("ful", "", PorterStemmer::positiveMeasure),
                new Rule("ness", "", PorterStemmer::positiveMeasure));
    }

    private static String step4(String w) {
        Cond m1 = PorterStemmer::measureAboveOne;
        return applyFirst(w,
                new Rule("al", "", m1), new Rule("ance", "", m1), new Rule("ence", "", m1),
                new Rule("er", "", m1), new Rule("ic", "", m1), new Rule("able", "", m1),
                new Rule("ible", "", m1), new Rule("ant", "", m1), new Rule("ement", "", m1),
                new Rule("ment", "", m1), new Rule("ent", "", m1),
                new Rule("ion", "", s -> measureAboveOne(s) && !s.isEmpty()
                        && (s.charAt(s.length() - 1) == 's' || s.charAt(s.length() - 1) == 't')),
                new Rule("ou", "", m1), new Rule("ism", "", m1), new Rule("ate", "", m1),
                new Rule("iti", "", m1), new Rule("ous", "", m1), new Rule("ive", "", m1),
                new Rule("ize", "", m1));
    }

    private static String step5a(String w) {
        if (w.endsWith("e")) {
            String stem = cut(w, "e");
            int m = measure(stem);
            if (m > 1 || (m == 1 && !endsCvc(stem))) {
                return stem;
            }
        }
        return w;
    }

    private static String step5b(String w) {
        final String word = w;
        return applyFirst(w, new Rule("ll", "l", s -> measureAboveOne(word.substring(0, word.length() - 1))));
    }
}
