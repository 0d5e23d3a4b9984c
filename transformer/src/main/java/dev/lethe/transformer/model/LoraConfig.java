package dev.lethe.transformer.model;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The hyper-parameters of a LoRA adapter (arXiv 2106.09685): rank r, alpha, dropout on the adapter's input, rsLoRA
 * scaling (arXiv 2312.03732) and which linear layers get one. {@code targets} is a regular expression matched against
 * the whole module name (the weight name without {@code .weight}, e.g. {@code model.layers.0.self_attn.q_proj}), as
 * PEFT does for a string {@code target_modules}, or {@code all-linear} for every linear layer of the decoder blocks.
 */
public record LoraConfig(int rank, double alpha, double dropout, boolean rsLora, String targets) {
    /** Every linear layer of the decoder blocks (the output head excluded), as PEFT's "all-linear". */
    public static final String ALL_LINEAR = "all-linear";

    public LoraConfig {
        if (rank <= 0) {
            throw new IllegalArgumentException("LoRA rank must be a positive integer, got " + rank
                    + " (set lora_rank / r to e.g. 8 or 16)");
        }
        if (!(alpha > 0) || !Double.isFinite(alpha)) {
            throw new IllegalArgumentException("LoRA alpha must be positive, got " + alpha);
        }
        if (dropout < 0 || dropout >= 1) {
            throw new IllegalArgumentException("LoRA dropout must be in [0, 1), got " + dropout);
        }
        if (targets == null || targets.isBlank()) {
            throw new IllegalArgumentException("LoRA targets must be a regex over module names or 'all-linear'");
        }
        if (!targets.equals(ALL_LINEAR)) {
            try {
                Pattern.compile(targets);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("LoRA targets '" + targets + "' is not a valid regex: "
                        + e.getDescription());
            }
        }
    }

    /** The factor s of h = W x + s B A x: alpha / r, or alpha / sqrt(r) with rsLoRA (arXiv 2312.03732 eq. 1). */
    public double scale() {
        return rsLora ? alpha / Math.sqrt(rank) : alpha / rank;
    }
}
