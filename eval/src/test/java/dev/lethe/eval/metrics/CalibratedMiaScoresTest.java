package dev.lethe.eval.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * The lowercase and reference-model membership scores. Expected values were computed with Python: {@code
 * -(np.log(np.exp(3.0)) / np.log(np.exp(2.0)))} = -1.5 (WikiMIA's formula on perplexities), and the lower-cased
 * strings are Python's {@code str.lower()} output, escaped with {@code .encode('unicode_escape')}.
 */
class CalibratedMiaScoresTest {
    @Test
    void lowercaseScoreIsMinusTheRatioOfLogPerplexities() {
        assertThat(LowercaseScore.score(2.0, 3.0)).isEqualTo(-1.5);
        assertThat(LowercaseScore.score(4.0, 1.0)).isEqualTo(-0.25);
        assertThatThrownBy(() -> LowercaseScore.score(0.0, 1.0)).hasMessageContaining("loss must be finite and > 0");
    }

    @Test
    void lowercaseIsPythonsStrLower() {
        assertThat(LowercaseScore.lower("Hello World")).isEqualTo("hello world");
        assertThat(LowercaseScore.lower("\u0130stanbul")).isEqualTo("i\u0307stanbul");
        assertThat(LowercaseScore.lower("\u039f\u0394\u039f\u03a3 \u03a3\u039f\u03a6\u039f\u03a3"))
                .isEqualTo("\u03bf\u03b4\u03bf\u03c2 \u03c3\u03bf\u03c6\u03bf\u03c2"); // final sigma
        assertThat(LowercaseScore.lower("Stra\u00dfe \u01c5")).isEqualTo("stra\u00dfe \u01c6");
    }

    @Test
    void referenceScoreIsTargetLossMinusReferenceLoss() {
        // a member: easy for the target (0.5), hard for the reference (2.25) -> -1.75
        assertThat(ReferenceScore.score(0.5, 2.25)).isEqualTo(-1.75);
        assertThat(ReferenceScore.score(2.0, 2.0)).isEqualTo(0.0);
        assertThatThrownBy(() -> ReferenceScore.score(Double.NaN, 1)).hasMessageContaining("must be finite");
    }
}
