package dev.lethe.transformer.config;

/**
 * Inverse frequencies of rotary position embeddings, as transformers' rope initialisation functions define them, in
 * float64. With {@code d = floor(headDim * partialRotaryFactor)} rotated dimensions, the default frequencies are
 * {@code inv[i] = theta^(-2i/d)} for {@code i < d/2}. {@code linear} divides them by {@code factor}. {@code llama3}
 * (Llama 3.1) keeps frequencies whose wavelength {@code 2*pi/inv} is shorter than
 * {@code original_max_position_embeddings / high_freq_factor}, divides by {@code factor} those with wavelength longer
 * than {@code original_max_position_embeddings / low_freq_factor}, and in between blends
 * {@code (1 - s) * inv / factor + s * inv} with {@code s = (original / wavelen - low) / (high - low)}. The attention
 * scaling factor is 1.0 for all three types. PyTorch computes the same formulas in float32, so its values differ from
 * these by float32 rounding (relative ~1e-7).
 */
public final class RopeFrequencies {
    private RopeFrequencies() {
    }

    /** Number of rotated dimensions per head: {@code floor(headDim * partialRotaryFactor)}, made even. */
    public static int rotaryDim(int headDim, double partialRotaryFactor) {
        int d = (int) (headDim * partialRotaryFactor);
        return d - (d % 2);
    }

    /** Inverse frequencies ({@code rotaryDim / 2} values) for a config's head size and RoPE settings. */
    public static double[] inverseFrequencies(ModelConfig config) {
        if (config.rope() == null) {
            throw new IllegalArgumentException(config.modelType() + " has no rotary embeddings (it uses learned"
                    + " positions)");
        }
        return inverseFrequencies(config.rope(), config.headDim());
    }

    /** Inverse frequencies ({@code rotaryDim / 2} values) for the given RoPE settings and head size. */
    public static double[] inverseFrequencies(RopeScaling rope, int headDim) {
        int dim = rotaryDim(headDim, rope.partialRotaryFactor());
        double[] inv = new double[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = 1.0 / Math.pow(rope.theta(), (2.0 * i) / dim);
        }
        switch (rope.type()) {
            case "default" -> {
            }
            case "linear" -> {
                for (int i = 0; i < inv.length; i++) {
                    inv[i] /= rope.factor();
                }
            }
            case "llama3" -> {
                double old = rope.originalMaxPositionEmbeddings();
                double low = rope.lowFreqFactor();
                double high = rope.highFreqFactor();
                double lowFreqWavelen = old / low;
                double highFreqWavelen = old / high;
                for (int i = 0; i < inv.length; i++) {
                    double wavelen = 2 * Math.PI / inv[i];
                    if (wavelen > lowFreqWavelen) {
                        inv[i] /= rope.factor();
                    } else if (wavelen >= highFreqWavelen) {
                        double s = (old / wavelen - low) / (high - low);
                        inv[i] = (1 - s) * inv[i] / rope.factor() + s * inv[i];
                    }
                }
            }
            default -> throw new IllegalArgumentException("rope type '" + rope.type() + "' is not supported"
                    + " (supported: default, linear, llama3)");
        }
        return inv;
    }

    /** The factor applied to cos and sin (1.0 for default, linear and llama3). */
    public static double attentionScaling(RopeScaling rope) {
        return 1.0;
    }
}
