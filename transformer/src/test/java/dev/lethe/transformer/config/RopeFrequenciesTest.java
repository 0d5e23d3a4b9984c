package dev.lethe.transformer.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** RoPE inverse frequencies against hand-computed values of the formulas. */
class RopeFrequenciesTest {
    private static final double TOL = 1e-15;

    @Test
    void defaultWithHeadDim8AndTheta10000IsPowersOfTen() {
        // theta^(-2i/8) = 10000^(-i/4) = 10^(-i)
        double[] inv = RopeFrequencies.inverseFrequencies(RopeScaling.defaults(10000.0, 1.0), 8);
        assertThat(inv).containsExactly(new double[] {1.0, 0.1, 0.01, 0.001}, within(TOL));
        assertThat(RopeFrequencies.attentionScaling(RopeScaling.defaults(10000.0, 1.0))).isEqualTo(1.0);
    }

    @Test
    void linearDividesByFactor() {
        double[] inv = RopeFrequencies.inverseFrequencies(RopeScaling.linear(10000.0, 2.0, 1.0), 8);
        assertThat(inv).containsExactly(new double[] {0.5, 0.05, 0.005, 0.0005}, within(TOL));
    }

    @Test
    void partialRotaryUsesFewerDimensions() {
        // rotary dim 4 of head 8: theta^(-0/4), theta^(-2/4) = 1, 0.01
        double[] inv = RopeFrequencies.inverseFrequencies(RopeScaling.defaults(10000.0, 0.5), 8);
        assertThat(inv).containsExactly(new double[] {1.0, 0.01}, within(TOL));
        assertThat(RopeFrequencies.rotaryDim(80, 0.4)).isEqualTo(32);
        assertThat(RopeFrequencies.rotaryDim(10, 0.5)).isEqualTo(4);
    }

    @Test
    void llama3SmoothsTheMiddleBand() {
        // original context 1000, low 1, high 4: wavelengths 2*pi*10^i = 6.28, 62.8, 628.3, 6283.2 against
        // high-frequency bound 250 and low-frequency bound 1000 -> keep, keep, blend, divide by 8.
        double[] inv = RopeFrequencies.inverseFrequencies(RopeScaling.llama3(10000.0, 8.0, 1.0, 4.0, 1000, 1.0), 8);
        double s = (1000 / (2 * Math.PI * 100) - 1.0) / (4.0 - 1.0); // 0.19718...
        assertThat(inv[0]).isCloseTo(1.0, within(TOL));
        assertThat(inv[1]).isCloseTo(0.1, within(TOL));
        assertThat(inv[2]).isCloseTo((1 - s) * 0.01 / 8 + s * 0.01, within(TOL));
        assertThat(inv[2]).isCloseTo(0.0029753525068469476, within(1e-15));
        assertThat(inv[3]).isCloseTo(0.001 / 8, within(TOL));
    }

    @Test
    void llama31RealSettingsKeepHighAndScaleLowFrequencies() {
        ModelConfig c = ModelConfig.parse("""
                {"model_type": "llama", "hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 1,
                 "num_attention_heads": 32, "num_key_value_heads": 8, "vocab_size": 128256,
                 "rope_theta": 500000.0, "rope_scaling": {"rope_type": "llama3", "factor": 8.0,
                 "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}}
                """, "config.json");
        double[] inv = RopeFrequencies.inverseFrequencies(c);
        assertThat(inv).hasSize(64);
        assertThat(inv[0]).isEqualTo(1.0);
        // i = 20: wavelength 2*pi*500000^(40/128) = 379 < 2048: unchanged
        assertThat(inv[20]).isCloseTo(Math.pow(500000.0, -40.0 / 128), within(1e-17));
        // the lowest frequency 500000^(-126/128) has wavelength ~2.5e6 > 8192: divided by 8
        assertThat(inv[63]).isCloseTo(Math.pow(500000.0, -126.0 / 128) / 8, within(1e-20));
        // i = 30: wavelength 2*pi*500000^(60/128) = 2948 is between 2048 and 8192: blended
        double base = Math.pow(500000.0, -60.0 / 128);
        double s = (8192 / (2 * Math.PI / base) - 1) / 3;
        assertThat(2 * Math.PI / base).isBetween(2048.0, 8192.0);
        assertThat(inv[30]).isCloseTo((1 - s) * base / 8 + s * base, within(1e-17));
    }
}
