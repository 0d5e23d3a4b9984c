package dev.lethe.eval.muse;

import java.util.Locale;

/**
 * Which AUC a PrivLeak number is built from (algorithms.md 11.2). {@link #MUSE}: MUSE's {@code eval.py}, forget texts
 * labelled 0, holdout texts 1, score {@code -s} ({@code roc_curve(y, -ppl)}), so a memorised forget set gives AUC near
 * 0. {@link #OPEN_UNLEARNING}: open-unlearning's {@code mia_auc}, the same labels with the score {@code s} as is, so it
 * gives {@code 1 - AUC_MUSE}; its {@code privleak} flips both AUCs back. Both give the same PrivLeak when the reference
 * AUC is expressed in the same convention.
 */
public enum PrivLeakConvention {
    MUSE("muse"), OPEN_UNLEARNING("open-unlearning");

    private final String key;

    PrivLeakConvention(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    /** {@code muse} or {@code open-unlearning} (also {@code ou}, {@code open_unlearning}). */
    public static PrivLeakConvention parse(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT).replace('_', '-');
        return switch (n) {
            case "muse" -> MUSE;
            case "open-unlearning", "ou", "openunlearning" -> OPEN_UNLEARNING;
            default -> throw new IllegalArgumentException("unknown PrivLeak convention '" + name
                    + "'; use muse or open-unlearning");
        };
    }
}
