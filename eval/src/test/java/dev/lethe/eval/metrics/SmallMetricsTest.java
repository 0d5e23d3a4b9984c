package dev.lethe.eval.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class SmallMetricsTest {

    @Test
    void zlibLengthsEqualPythonZlibCompress() {
        for (JsonNode c : Fixtures.load("zlib.json").get("cases")) {
            assertThat(ZlibScore.compressedLength(c.get("text").asText())).isEqualTo(c.get("length").intValue());
        }
        // "a": 2-byte header + 3-byte deflate block + 4-byte Adler-32 = 9 bytes (Python: len(zlib.compress(b"a")) == 9)
        assertThat(ZlibScore.score(4.5, "a")).isEqualTo(0.5);
    }

    @Test
    void exactMatchStripsAndLowercasesLikePython() {
        assertThat(ExactMatch.score("  Paris\n", "paris")).isEqualTo(1.0);
        assertThat(ExactMatch.score("\u00a0PARIS\u2003", "paris")).isEqualTo(1.0); // Python strips NBSP and em space
        assertThat(ExactMatch.score("Paris.", "paris")).isEqualTo(0.0);
        assertThat(ExactMatch.score("Paris, France", "Paris")).isEqualTo(0.0);
    }

    @Test
    void privLeakConventions() {
        // MUSE: (0.2 - 0.4772) / 0.4772 * 100
        assertThat(PrivLeak.muse(0.2, PrivLeak.MUSE_NEWS_RETRAIN_AUC)).isCloseTo(-58.08885163453479, within(1e-9));
        // OU: ((1-0.8) - (1-0.5)) / (0.5 + 1e-10) * 100 = -60 (to 1e-8)
        assertThat(PrivLeak.openUnlearning(0.8, 0.5)).isCloseTo(-60.0, within(1e-7));
        assertThat(SemEvalMiaScore.fromAuc(0.5)).isEqualTo(1.0);
        assertThat(SemEvalMiaScore.fromAuc(0.9)).isCloseTo(0.2, within(1e-15));
        assertThat(SemEvalMiaScore.fromAuc(0.1)).isCloseTo(0.2, within(1e-15));
        // members have lower NLL than all non-members -> AUC 1 -> score 0
        assertThat(SemEvalMiaScore.fromNll(new double[] {0.1, 0.2}, new double[] {1.0, 2.0})).isEqualTo(0.0);
    }

    @Test
    void membershipScores() {
        double[] lp = {-0.5, -3.0, -0.1, -2.0, -1.0};
        assertThat(LossScore.score(lp)).isCloseTo(1.32, within(1e-15));
        // k=0.4 of 5 tokens -> 2 lowest: -3, -2 -> 2.5
        assertThat(MinKProb.score(lp, 0.4)).isEqualTo(2.5);
        // k=0.1 -> int(0.5) = 0 -> at least 1 token: 3.0
        assertThat(MinKProb.score(lp, 0.1)).isEqualTo(3.0);
        // Min-k%++: z = (lp - mu)/sqrt(var); with mu = -1, var = 4: z = {0.25, -1, 0.45, -0.5, 0}; lowest 2 -> 0.75
        double[] mu = {-1, -1, -1, -1, -1};
        double[] var = {4, 4, 4, 4, 4};
        assertThat(MinKPlusPlus.score(lp, mu, var, 0.4)).isCloseTo(0.75, within(1e-15));
        // variance clamped at 1e-6: z = (−0.5 − (−0.5))/1e-3 = 0 and (−0.6+0.5)/1e-3 = −100
        assertThat(MinKPlusPlus.score(new double[] {-0.5, -0.6}, new double[] {-0.5, -0.5}, new double[] {0, -1}, 0.5))
                .isCloseTo(100.0, within(1e-9));
        // moments of a uniform distribution over 4 tokens: mu = log(1/4), variance 0
        double[] m = MinKPlusPlus.moments(new double[] {Math.log(0.25), Math.log(0.25), Math.log(0.25), Math.log(0.25)});
        assertThat(m[0]).isCloseTo(Math.log(0.25), within(1e-15));
        assertThat(m[1]).isCloseTo(0.0, within(1e-15));
    }

    @Test
    void truthRatioAndForgetQuality() {
        // P_pert = exp(-mean(1, 3)) = e^-2, P_corr = e^-1 -> OU TR = e^-1 (up to the 1e-10 guard); legacy = e^1
        assertThat(TruthRatio.openUnlearning(1.0, new double[] {1, 3})).isCloseTo(Math.exp(-1), within(1e-9));
        assertThat(TruthRatio.legacyTofu(1.0, new double[] {1, 3})).isCloseTo(Math.E, within(1e-15));
        assertThat(TruthRatio.legacyForgetAggregate(new double[] {2, 0.5})).isEqualTo(0.5);
        assertThat(TruthRatio.legacyRetainAggregate(new double[] {2, 0.5})).isEqualTo(0.25); // max(0,1-1/2), 0
        assertThat(TruthRatio.trueBetter(new double[] {0.25, 2})).isEqualTo(0.375);
        assertThat(TruthRatio.closerToOneBetter(new double[] {0.5})).isEqualTo(0.5);
        assertThat(KsTest.twoSample(new double[] {0, 1}, new double[] {5, 6}).pvalue()).isCloseTo(1 / 3.0, within(1e-15));
    }
}
