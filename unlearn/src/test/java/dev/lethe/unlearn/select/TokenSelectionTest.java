package dev.lethe.unlearn.select;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lethe.unlearn.data.Batch;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Selective Unlearning masks on hand-made examples, every expected mask worked out by hand in the comments. */
class TokenSelectionTest {
    // one sequence of 8 positions: 2 prompt tokens (labels -100), 6 answer tokens at positions 2..7
    private static final int[] IDS = {5, 6, 10, 11, 12, 13, 14, 15};
    private static final int[] LABELS = {-100, -100, 10, 11, 12, 13, 14, 15};
    private static final Batch BATCH = new Batch(IDS, new int[] {1, 1, 1, 1, 1, 1, 1, 1}, LABELS, 1, 8);

    @Test
    void explicitThresholdWithoutContext() {
        double[] s = {9, 9, 0.1, 0.6, 0.2, 0.9, 0.0, 0.3};
        // answer scores 0.1 0.6 0.2 0.9 0.0 0.3; > 0.5 keeps positions 3 and 5; prompt positions never count
        TokenSelection.Result r = TokenSelection.apply(BATCH, s, new Threshold.Explicit(0.5), 0);
        assertThat(r.batch().labels()).containsExactly(-100, -100, -100, 11, -100, 13, -100, -100);
        assertThat(r.fractionSelected()).isCloseTo(2.0 / 6, within(1e-15));
    }

    @Test
    void adaptiveThresholdWithContextExpansion() {
        double[] s = {9, 9, 0.1, 0.6, 0.2, 0.9, 0.0, 0.3};
        // mean = 2.1/6 = 0.35; population std = sqrt(((.25)^2+(.25)^2+(.15)^2+(.55)^2+(.35)^2+(.05)^2)/6)
        //      = sqrt(0.5850/6) = 0.3122; k = 1 -> cut 0.6622: only 0.9 (position 5) passes
        // context 1 adds positions 4 and 6 (both answer tokens)
        TokenSelection.Result r = TokenSelection.apply(BATCH, s, new Threshold.Adaptive(1.0), 1);
        assertThat(r.batch().labels()).containsExactly(-100, -100, -100, -100, 12, 13, 14, -100);
        // k = 0 -> cut 0.35: positions 3 (0.6) and 5 (0.9); context 2 reaches 2..7 but never the prompt (0, 1)
        TokenSelection.Result r0 = TokenSelection.apply(BATCH, s, new Threshold.Adaptive(0.0), 2);
        assertThat(r0.batch().labels()).containsExactly(-100, -100, 10, 11, 12, 13, 14, 15);
        assertThat(r0.fractionSelected()).isEqualTo(1.0);
    }

    @Test
    void ngramScoresByHand() {
        // forget answers: [1 2 3], [1 2 4]; retain answers: [1 2 3]
        NgramTokenScorer ng = new NgramTokenScorer(List.of(new int[] {1, 2, 3}, new int[] {1, 2, 4}),
                List.of(new int[] {1, 2, 3}), 3);
        // token 1 (empty context): P_f = 2/2, P_r = 1/1 -> 0; token 2 (ctx "1"): 1 vs 1 -> 0
        // token 4 (ctx "1,2"): P_f = 1/2, P_r = 0/1 -> 0.5
        assertThat(ng.scoreAnswer(new int[] {1, 2, 4})).containsExactly(0.0, 0.0, 0.5);
        // token 3 (ctx "1,2"): P_f = 1/2, P_r = 1 -> 0.5; unseen context "9,9" -> 0
        assertThat(ng.scoreAnswer(new int[] {9, 9, 3})).containsExactly(0.0, 0.0, 0.0);
        assertThat(ng.scoreAnswer(new int[] {1, 2, 3})).containsExactly(0.0, 0.0, 0.5);
    }
}
