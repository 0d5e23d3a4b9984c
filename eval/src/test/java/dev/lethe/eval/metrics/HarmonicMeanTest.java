package dev.lethe.eval.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class HarmonicMeanTest {

    /** scipy.stats.hmean and statistics.harmonic_mean (Python 3.11), bit for bit. */
    @Test
    void equalsScipyAndStatistics() {
        for (JsonNode c : Fixtures.load("hmean.json").get("cases")) {
            double[] v = Fixtures.doubles(c.get("values"));
            assertThat(HarmonicMean.scipy(v)).isEqualTo(c.get("scipy").doubleValue());
            assertThat(HarmonicMean.statistics(v)).isEqualTo(c.get("statistics").doubleValue());
        }
    }

    @Test
    void handCalculatedAndZeroRule() {
        assertThat(HarmonicMean.scipy(1, 2, 4)).isCloseTo(12.0 / 7, within(1e-15)); // 3 / (1 + 1/2 + 1/4)
        assertThat(HarmonicMean.scipy(0.3, 0.0, 0.9)).isEqualTo(0.0);
        assertThat(HarmonicMean.statistics(0.3, 0.0, 0.9)).isEqualTo(0.0);
        assertThatThrownBy(() -> HarmonicMean.scipy(1, -1)).hasMessageContaining("non-negative");
    }
}
