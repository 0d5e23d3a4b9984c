package dev.lethe.eval.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class NumpyMathTest {

    /** np.sum / np.mean (NumPy 1.24 pairwise summation) on lengths 1..1031 with magnitudes 1e-8..1e8, bit for bit. */
    @Test
    void equalsNumpyBitForBit() {
        for (JsonNode c : Fixtures.load("numpy_sum.json").get("cases")) {
            double[] v = Fixtures.doubles(c.get("values"));
            assertThat(NumpyMath.sum(v)).as("n=" + v.length).isEqualTo(c.get("sum").doubleValue());
            assertThat(NumpyMath.mean(v)).as("n=" + v.length).isEqualTo(c.get("mean").doubleValue());
        }
    }
}
