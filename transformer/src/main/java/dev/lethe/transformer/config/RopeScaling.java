package dev.lethe.transformer.config;

/**
 * The RoPE variant of a model, normalised from transformers 4 ({@code rope_theta} + {@code rope_scaling}) and
 * transformers 5 ({@code rope_parameters}) configs. {@code type} is {@code "default"}, {@code "linear"} or
 * {@code "llama3"}; fields that a type does not use are {@code NaN} (doubles) or 0 (ints).
 *
 * @param type                          the rope type
 * @param theta                         the base of the frequencies ({@code rope_theta})
 * @param factor                        position scaling factor (linear, llama3)
 * @param lowFreqFactor                 llama3 {@code low_freq_factor}
 * @param highFreqFactor                llama3 {@code high_freq_factor}
 * @param originalMaxPositionEmbeddings llama3 {@code original_max_position_embeddings}
 * @param partialRotaryFactor           fraction of each head's dimensions that are rotated (1.0 except Phi)
 */
public record RopeScaling(String type, double theta, double factor, double lowFreqFactor, double highFreqFactor,
                          int originalMaxPositionEmbeddings, double partialRotaryFactor) {

    /** Plain RoPE with the given base and rotary fraction. */
    public static RopeScaling defaults(double theta, double partialRotaryFactor) {
        return new RopeScaling("default", theta, Double.NaN, Double.NaN, Double.NaN, 0, partialRotaryFactor);
    }

    /** Linear position interpolation: every inverse frequency divided by {@code factor}. */
    public static RopeScaling linear(double theta, double factor, double partialRotaryFactor) {
        return new RopeScaling("linear", theta, factor, Double.NaN, Double.NaN, 0, partialRotaryFactor);
    }

    /** Llama 3.1-style wavelength-dependent scaling. */
    public static RopeScaling llama3(double theta, double factor, double lowFreqFactor, double highFreqFactor,
                                     int originalMaxPositionEmbeddings, double partialRotaryFactor) {
        return new RopeScaling("llama3", theta, factor, lowFreqFactor, highFreqFactor, originalMaxPositionEmbeddings,
                partialRotaryFactor);
    }

    /** True for the unscaled default. */
    public boolean isDefault() {
        return type.equals("default");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RopeScaling r && r.type.equals(type) && Double.compare(r.theta, theta) == 0
                && Double.compare(r.factor, factor) == 0 && Double.compare(r.lowFreqFactor, lowFreqFactor) == 0
                && Double.compare(r.highFreqFactor, highFreqFactor) == 0
                && r.originalMaxPositionEmbeddings == originalMaxPositionEmbeddings
                && Double.compare(r.partialRotaryFactor, partialRotaryFactor) == 0;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(type, theta, factor, lowFreqFactor, highFreqFactor,
                originalMaxPositionEmbeddings, partialRotaryFactor);
    }
}
