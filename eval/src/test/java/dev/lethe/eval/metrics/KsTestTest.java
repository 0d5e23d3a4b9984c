package dev.lethe.eval.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class KsTestTest {

    /** scipy 1.10.1 ks_2samp on seeded normal, tied-integer, disjoint and log-normal samples. */
    @Test
    void exactPValuesMatchScipy() {
        int n = 0;
        for (JsonNode c : Fixtures.load("ks_2samp.json").get("cases")) {
            KsTest.Result r = KsTest.twoSample(Fixtures.doubles(c.get("a")), Fixtures.doubles(c.get("b")));
            String tag = c.get("tag").asText();
            double wantP = c.get("pvalue").doubleValue();
            assertThat(r.exact()).as(tag).isTrue();
            assertThat(r.statistic()).as(tag).isEqualTo(c.get("statistic").doubleValue());
            assertThat(r.pvalue()).as(tag).isCloseTo(wantP, within(1e-12 * Math.max(wantP, 1e-300)));
            n++;
        }
        assertThat(n).isGreaterThan(20);
    }

    /** Above 10000 SciPy uses kstwo.sf(d, round(en)); commons-math's cdf stands in: statistic exact, p to 1e-6. */
    @Test
    void asymptoticRegimeIsCloseToScipy() {
        for (JsonNode c : Fixtures.load("ks_2samp.json").get("asymptotic")) {
            int n1 = c.get("n1").intValue();
            int n2 = c.get("n2").intValue();
            double shift = c.get("shift").doubleValue();
            double[] a = new double[n1];
            double[] b = new double[n2];
            for (int i = 0; i < n1; i++) {
                a[i] = (i * 7919L % 10007) / 10007.0;
            }
            for (int i = 0; i < n2; i++) {
                b[i] = (i * 104729L % 10009) / 10009.0 + shift;
            }
            KsTest.Result r = KsTest.twoSample(a, b);
            assertThat(r.exact()).isFalse();
            assertThat(r.statistic()).isEqualTo(c.get("statistic").doubleValue());
            assertThat(r.pvalue()).isCloseTo(c.get("pvalue").doubleValue(), within(1e-6));
        }
    }

    @Test
    void handCalculatedCases() {
        // one point each: both orderings give D = 1, so P(D >= 1) = 1
        assertThat(KsTest.twoSample(new double[] {1}, new double[] {2})).isEqualTo(new KsTest.Result(1.0, 1.0, true));
        // identical samples: D = 0, p = 1
        assertThat(KsTest.twoSample(new double[] {3, 1, 2}, new double[] {1, 2, 3}).pvalue()).isEqualTo(1.0);
        // 2 vs 2 fully separated: of the C(4,2) = 6 interleavings, the 2 separated ones reach D = 1 -> p = 1/3
        assertThat(KsTest.twoSample(new double[] {0, 1}, new double[] {5, 6}).pvalue()).isCloseTo(1 / 3.0, within(1e-15));
        // 1 vs 2 separated: 3 interleavings; D = 1 for x first or last -> 2/3
        assertThat(KsTest.twoSample(new double[] {0}, new double[] {5, 6}).pvalue()).isCloseTo(2 / 3.0, within(1e-15));
        assertThatThrownBy(() -> KsTest.twoSample(new double[0], new double[] {1}))
                .hasMessageContaining("non-empty");
        assertThatThrownBy(() -> KsTest.twoSample(new double[] {Double.NaN}, new double[] {1}))
                .hasMessageContaining("NaN");
    }
}
