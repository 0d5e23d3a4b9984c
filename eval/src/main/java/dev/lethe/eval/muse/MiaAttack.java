package dev.lethe.eval.muse;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The membership-inference scores MUSE's PrivLeak can use (arXiv 2407.06460, criterion C3; algorithms.md 11.3), each
 * "higher = less likely a member": {@link #LOSS} (MUSE {@code PPL}: mean NLL), {@link #ZLIB} (MUSE {@code PPL/zlib}),
 * {@link #MIN_K} (Min-k% Prob, arXiv 2310.16789; MUSE's PrivLeak uses Min-40%) and {@link #MIN_K_PLUS_PLUS}
 * (Min-k%++, arXiv 2404.02936), and the runner adds {@link #LOWERCASE} (MUSE's lowercase-ratio attack,
 * {@link dev.lethe.eval.metrics.LowercaseScore}) and {@link #GRAD_NORM} (gradient norm, arXiv 2402.17012,
 * {@link dev.lethe.eval.metrics.GradNormScore}).
 */
public enum MiaAttack {
    LOSS("loss"), ZLIB("zlib"), MIN_K("min_k"), MIN_K_PLUS_PLUS("min_k_plus_plus"), LOWERCASE("lowercase"),
    GRAD_NORM("grad_norm");

    private final String key;

    MiaAttack(String key) {
        this.key = key;
    }

    /** The name used in report.json and on the command line. */
    public String key() {
        return key;
    }

    /** The attack of a name ({@code min_k}, {@code min-k}, {@code MIN_K} ...). */
    public static MiaAttack parse(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT).replace('-', '_').replace("%", "");
        for (MiaAttack a : values()) {
            if (a.key.equals(n)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown membership-inference attack '" + name + "'; use one of "
                + Arrays.stream(values()).map(MiaAttack::key).collect(Collectors.joining(", ")));
    }
}
