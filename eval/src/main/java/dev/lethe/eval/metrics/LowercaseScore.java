package dev.lethe.eval.metrics;

import java.util.Locale;

/**
 * Lowercase membership score (Carlini et al. 2021, arXiv 2012.07805 section 6.1; MUSE's and WikiMIA's
 * {@code ppl/lowercase_ppl}): {@code -(log ppl(lower(x)) / log ppl(x)) = -(loss(lower(x)) / loss(x))}, with the mean
 * NLLs of the text and of its lower-cased copy. A member's own casing is much likelier than the lower-cased one, so its
 * ratio is large and its score low: higher means "less likely a member", as for {@link LossScore}.
 */
public final class LowercaseScore {

    private LowercaseScore() {
    }

    /** Python's {@code str.lower()} (Unicode default case mapping, final sigma included). */
    public static String lower(String text) {
        return text.toLowerCase(Locale.ROOT);
    }

    /** @param loss mean NLL of the text; @param lowercaseLoss mean NLL of {@link #lower}(text) */
    public static double score(double loss, double lowercaseLoss) {
        if (!(loss > 0) || !Double.isFinite(loss) || !Double.isFinite(lowercaseLoss)) {
            throw new IllegalArgumentException("lowercase score: loss must be finite and > 0 and lowercaseLoss finite,"
                    + " got " + loss + " and " + lowercaseLoss);
        }
        return -(lowercaseLoss / loss);
    }
}
