package dev.lethe.transformer.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Temperature, top-k, top-p and the sampler on small logits, checked against values worked out by hand. */
class LogitsProcessorsTest {
    static final double NEG = Double.NEGATIVE_INFINITY;

    static double[][] rows(double[]... r) {
        return r;
    }

    static double[] logsOf(double... probs) {
        double[] l = new double[probs.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = Math.log(probs[i]);
        }
        return l;
    }

    @Test
    void temperatureDividesEveryLogit() {
        double[][] x = rows(new double[] {1, 2, 3}, new double[] {-4, NEG, 0});
        new Temperature(2).process(null, x);
        assertThat(x[0]).containsExactly(0.5, 1, 1.5);
        assertThat(x[1]).containsExactly(-2, NEG, 0);
    }

    @Test
    void topKKeepsTiesWithTheKthValue() {
        double[][] x = rows(new double[] {1, 3, 2, 3}, new double[] {1, 3, 2, 3}, new double[] {5, 4});
        new TopK(2).process(null, new double[][] {x[0]});
        new TopK(3).process(null, new double[][] {x[1]});
        new TopK(7).process(null, new double[][] {x[2]});
        assertThat(x[0]).containsExactly(NEG, 3, NEG, 3);
        assertThat(x[1]).containsExactly(NEG, 3, 2, 3);
        assertThat(x[2]).containsExactly(5, 4);
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        // probabilities 0.5, 0.3, 0.15, 0.05 shuffled
        double[] base = logsOf(0.15, 0.5, 0.05, 0.3);
        double[] p07 = base.clone();
        new TopP(0.7).process(null, new double[][] {p07}); // 0.5 + 0.3 = 0.8 >= 0.7; 0.5 alone is not
        assertThat(p07).containsExactly(NEG, base[1], NEG, base[3]);
        double[] p04 = base.clone();
        new TopP(0.4).process(null, new double[][] {p04}); // 0.5 alone reaches 0.4
        assertThat(p04).containsExactly(NEG, base[1], NEG, NEG);
        double[] p001 = base.clone();
        new TopP(0.01).process(null, new double[][] {p001}); // always at least the most likely token
        assertThat(p001).containsExactly(NEG, base[1], NEG, NEG);
        double[] p90 = base.clone();
        new TopP(0.9).process(null, new double[][] {p90}); // 0.95 needed: 0.5 + 0.3 + 0.15
        assertThat(p90).containsExactly(base[0], base[1], NEG, base[3]);
        double[] p99 = base.clone();
        new TopP(0.99).process(null, new double[][] {p99});
        assertThat(p99).containsExactly(base);
        // already-masked tokens (probability 0) stay masked, the others are renormalised
        double[] masked = {0, NEG, 0, Math.log(2)}; // 0.25, 0, 0.25, 0.5
        new TopP(0.6).process(null, new double[][] {masked});
        assertThat(masked[1]).isEqualTo(NEG);
        assertThat(masked[3]).isEqualTo(Math.log(2));
        assertThat(masked[0] == NEG ^ masked[2] == NEG).isTrue(); // one of the 0.25 pair is needed, not both
    }

    @Test
    void chainIsTemperatureThenTopKThenTopP() {
        GenerationConfig c = GenerationConfig.sampling(1, 0.5, 3, 0.9, 0);
        assertThat(c.chain()).hasSize(3);
        assertThat(c.chain().get(0)).isInstanceOf(Temperature.class);
        assertThat(c.chain().get(1)).isInstanceOf(TopK.class);
        assertThat(c.chain().get(2)).isInstanceOf(TopP.class);
        LogitsProcessor mine = (step, logits) -> { };
        assertThat(c.withProcessors(mine).chain().get(0)).isSameAs(mine);
        assertThat(GenerationConfig.greedy(1).withProcessors(mine).chain()).containsExactly(mine);
        assertThat(GenerationConfig.sampling(1, 1.0, 0, 1.0, 0).chain()).isEmpty();
    }

    @Test
    void samplerFollowsTheDistributionAndArgmaxTakesTheFirstMax() {
        double[] logits = logsOf(0.1, 0.6, 0.3);
        int[] counts = new int[3];
        SplittableRandom r = new SplittableRandom(7);
        int n = 60000;
        for (int i = 0; i < n; i++) {
            counts[Sampling.sample(logits, r)]++;
        }
        assertThat(counts[0] / (double) n).isCloseTo(0.1, within(0.01));
        assertThat(counts[1] / (double) n).isCloseTo(0.6, within(0.01));
        assertThat(counts[2] / (double) n).isCloseTo(0.3, within(0.01));
        assertThat(Sampling.sample(new double[] {NEG, 2, NEG}, r)).isEqualTo(1);
        assertThat(Sampling.argmax(new double[] {1, 4, 4, NEG})).isEqualTo(1);
        assertThat(Sampling.softmax(new double[] {0, Math.log(3)})).containsExactly(0.25, 0.75);
    }
}
