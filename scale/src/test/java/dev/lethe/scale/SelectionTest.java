package dev.lethe.scale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The selection rule on a hand-made table whose answer was worked out by hand (numbers in the comments). */
class SelectionTest {
    static RunResult row(String recipe, String lr, int seed, double fq, double mu) {
        return new RunResult(new RunSpec(recipe, Map.of("lr", lr), seed),
                Map.of("forget_quality", fq, "model_utility", mu), 1, "sha");
    }

    @Test
    void picksTheBestForgetQualityAboveTheUtilityBarOnTheSelectionSeedAndReportsTheOtherSeeds() {
        // target utility 0.8, fraction 0.9: the bar is 0.72
        List<RunResult> rows = List.of(
                row("npo", "1e-5", 0, 0.50, 0.71), // best forget quality on seed 0 but below the bar
                row("npo", "5e-5", 0, 0.20, 0.75), // the choice
                row("npo", "1e-4", 0, 0.10, 0.90),
                row("npo", "5e-5", 1, 0.30, 0.70),
                row("npo", "5e-5", 2, 0.10, 0.80),
                row("npo", "5e-5", 3, 0.20, 0.90),
                row("npo", "1e-5", 1, 0.99, 0.99), // other seeds never choose
                row("ga", "1e-5", 0, 0.90, 0.10), // no ga setting keeps the bar
                row("ga", "1e-5", 1, 0.90, 0.90));
        List<Selection.Choice> c = Selection.select(rows, "forget_quality", "model_utility", 0.8, 0.9, 0);
        assertThat(c).hasSize(2);
        Selection.Choice npo = c.get(0);
        assertThat(npo.recipe()).isEqualTo("npo");
        assertThat(npo.settings()).containsExactly(Map.entry("lr", "5e-5"));
        assertThat(npo.selectionQuality()).isEqualTo(0.20);
        assertThat(npo.selectionUtility()).isEqualTo(0.75);
        // seeds 1..3: forget quality 0.3, 0.1, 0.2 -> mean 0.2, sample std sqrt((0.01+0.01+0)/2) = 0.1
        assertThat(npo.reported().get("forget_quality").mean()).isCloseTo(0.2, within(1e-12));
        assertThat(npo.reported().get("forget_quality").std()).isCloseTo(0.1, within(1e-12));
        assertThat(npo.reported().get("forget_quality").n()).isEqualTo(3);
        // utility 0.7, 0.8, 0.9 -> mean 0.8, std 0.1
        assertThat(npo.reported().get("model_utility").mean()).isCloseTo(0.8, within(1e-12));
        assertThat(npo.reported().get("model_utility").std()).isCloseTo(0.1, within(1e-12));
        Selection.Choice ga = c.get(1);
        assertThat(ga.settings()).isNull();
        assertThat(ga.reported()).isEmpty();
    }

    @Test
    void theBarIsInclusiveAndAChoiceWithoutOtherSeedsReportsNothing() {
        List<RunResult> rows = List.of(row("kl", "1e-5", 7, 0.01, 0.45), row("kl", "1e-4", 7, 0.02, 0.44));
        Selection.Choice c = Selection.select(rows, "forget_quality", "model_utility", 0.5, 0.9, 7).get(0);
        assertThat(c.settings()).containsExactly(Map.entry("lr", "1e-5"));
        assertThat(c.reported()).isEmpty();
    }

    @Test
    void aRunWithoutTheSelectedMetricIsAClearErrorNamingIt() {
        List<RunResult> rows = List.of(row("npo", "5e-5", 0, 0.20, 0.75),
                new RunResult(new RunSpec("npo", Map.of("lr", "1e-4"), 0), Map.of("forget_quality", 0.3), 1, "sha"));
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> Selection.select(rows, "forget_quality", "model_utility", 0.8, 0.9, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("run " + rows.get(1).run().id() + " has no metric 'model_utility'")
                .hasMessageContaining("forget_quality");
    }
}
