package dev.lethe.transformer.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/**
 * Contrastive-decoding and APD scores on fixed logits against numpy ({@code transformer/scripts/make_decoding_fixtures
 * .py}, an independent nucleus formulation): every kept score within 1e-12, the same tokens masked, plus one case
 * worked out by hand.
 */
class DecodingScoresTest {
    static final double NEG = Double.NEGATIVE_INFINITY;

    static double[] doubles(JsonNode a) {
        double[] d = new double[a.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = a.get(i).isNull() ? NEG : a.get(i).asDouble();
        }
        return d;
    }

    @Test
    void cdAndApdScoresEqualNumpy() throws Exception {
        JsonNode cases;
        try (InputStream in = getClass().getResourceAsStream("/fixtures/decoding/scores.json")) {
            cases = new ObjectMapper().readTree(in).get("cases");
        }
        int cd = 0;
        int apd = 0;
        for (JsonNode c : cases) {
            double[] main = doubles(c.get("main"));
            double[] secondLogProbs = Sampling.logSoftmax(doubles(c.get("second")));
            double[] want = doubles(c.get("scores"));
            double[] got;
            if (c.get("kind").asText().equals("cd")) {
                got = ContrastiveDecoding.scores(main, secondLogProbs, c.get("alpha").asDouble(),
                        c.get("tau").asDouble(), c.get("k").asInt());
                cd++;
            } else {
                got = AsymptoticProbabilityDecoding.scores(main, secondLogProbs, c.get("p").asDouble(),
                        c.get("k").asInt(), c.get("t").asDouble());
                apd++;
            }
            int kept = 0;
            for (int w = 0; w < want.length; w++) {
                if (want[w] == NEG) {
                    assertThat(got[w]).as(c + " token " + w).isEqualTo(NEG);
                } else {
                    kept++;
                    assertThat(Math.abs(got[w] - want[w])).as(c + " token " + w).isLessThan(1e-12);
                }
            }
            assertThat(kept).isPositive();
        }
        assertThat(cd).isEqualTo(30);
        assertThat(apd).isEqualTo(24);
    }

    @Test
    void cdByHand() {
        // p_E = (0.5, 0.3, 0.15, 0.05), p_A = (0.7, 0.1, 0.1, 0.1), alpha 0.2: head = {p_E >= 0.1} = tokens 0, 1, 2
        double[] e = {Math.log(0.5), Math.log(0.3), Math.log(0.15), Math.log(0.05)};
        double[] a = {Math.log(0.7), Math.log(0.1), Math.log(0.1), Math.log(0.1)};
        double[] s = ContrastiveDecoding.scores(e, a, 0.2, 1.0, 0);
        assertThat(s[0]).isCloseTo(Math.log(0.5 / 0.7), org.assertj.core.data.Offset.offset(1e-14));
        assertThat(s[1]).isCloseTo(Math.log(3.0), org.assertj.core.data.Offset.offset(1e-14));
        assertThat(s[2]).isCloseTo(Math.log(1.5), org.assertj.core.data.Offset.offset(1e-14));
        assertThat(s[3]).isEqualTo(NEG);
        assertThat(Sampling.argmax(s)).isEqualTo(1); // the amateur's favourite loses to the expert-only token
    }

    @Test
    void apdByHand() {
        // p = (0.5, 0.3, 0.15, 0.05): the 0.6 nucleus is {0, 1} (mass before token 1 is 0.5 < 0.6, before token 2 0.8)
        double[] l = {Math.log(0.5), Math.log(0.3), Math.log(0.15), Math.log(0.05)};
        double[] alm = {Math.log(0.25), Math.log(0.05), Math.log(0.35), Math.log(0.35)};
        double[] s = AsymptoticProbabilityDecoding.scores(l, alm, 0.6, 20, 1.0);
        assertThat(s[0]).isCloseTo(Math.log(2.0), org.assertj.core.data.Offset.offset(1e-14));
        assertThat(s[1]).isCloseTo(Math.log(6.0), org.assertj.core.data.Offset.offset(1e-14));
        assertThat(s[2]).isEqualTo(NEG);
        assertThat(s[3]).isEqualTo(NEG);
    }

    @Test
    void apdKeepsTheTopKAndTopPProcessorsSetWithTies() {
        java.util.Random r = new java.util.Random(3);
        for (int row = 0; row < 300; row++) {
            double[] logits = new double[40];
            for (int w = 0; w < logits.length; w++) {
                logits[w] = Math.round(r.nextGaussian() * 4) / 2.0; // many ties
            }
            double p = 0.2 + 0.7 * r.nextDouble();
            int k = 1 + r.nextInt(12);
            double[] viaProcessors = logits.clone();
            new TopK(k).process(null, new double[][] {viaProcessors});
            double[] nucleus = logits.clone();
            new TopP(p).process(null, new double[][] {nucleus});
            double[] got = AsymptoticProbabilityDecoding.scores(logits, new double[40], p, k, 1.0);
            for (int w = 0; w < logits.length; w++) {
                boolean want = viaProcessors[w] != NEG && nucleus[w] != NEG;
                assertThat(got[w] != NEG).as("row " + row + " token " + w).isEqualTo(want);
            }
        }
    }

    @Test
    void alphaOutsideTheUnitIntervalIsAClearError() {
        double[] x = {0, 1};
        for (double bad : new double[] {0, -0.1, 1.5, Double.NaN}) {
            assertThatThrownBy(() -> ContrastiveDecoding.scores(x, x, bad, 1, 0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("alpha must be in (0, 1]");
        }
    }
}
