package dev.lethe.scale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tuned sweep on {@code local[2]} with the arithmetic task (metric = lr * 1000 + seed): the grid runs on seed 0
 * only, the setting chosen there (the best metric at or above the bar) runs on the reporting seeds, nothing else runs,
 * and the reported mean ± std are those of the reporting seeds' metrics.
 */
class TunedSweepTest {
    @TempDir
    Path tmp;

    @Test
    void gridOnTheSelectionSeedThenTheChosenSettingOnTheReportingSeeds() throws Exception {
        SweepSpec grid = new SweepSpec(List.of("ga", "npo"), Map.of("lr", List.of("1e-3", "2e-3", "3e-3")), 0, 0,
                List.of(0));
        // bar 1.5 x 1.6 = 2.4: on seed 0 only lr 3e-3 (metric 3.0) keeps it; the quality is the same metric
        TunedSweep tuned = new TunedSweep(grid, List.of(1, 2), "metric", "metric", 1.6, 1.5);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        TunedSweep.Outcome o = tuned.run(new SweepRunnerTest.ArithmeticTask(null), "local[2]", tmp,
                new PrintStream(log, true, StandardCharsets.UTF_8));
        assertThat(o.rows()).extracting(r -> r.run().id()).containsExactly("ga_lr=1e-3_seed0", "ga_lr=2e-3_seed0",
                "ga_lr=3e-3_seed0", "npo_lr=1e-3_seed0", "npo_lr=2e-3_seed0", "npo_lr=3e-3_seed0", "ga_lr=3e-3_seed1",
                "ga_lr=3e-3_seed2", "npo_lr=3e-3_seed1", "npo_lr=3e-3_seed2");
        for (Selection.Choice c : o.choices()) {
            assertThat(c.settings()).isEqualTo(Map.of("lr", "3e-3"));
            assertThat(c.selectionQuality()).isEqualTo(3.0);
            Selection.Stat s = c.reported().get("metric");
            assertThat(s.n()).isEqualTo(2);
            assertThat(s.mean()).isEqualTo(4.5); // seeds 1 and 2: 4.0 and 5.0
            assertThat(s.std()).isCloseTo(Math.sqrt(0.5), within(1e-15));
        }
        assertThat(log.toString()).contains("6 runs, 0 already finished", "2 of 2 recipes keep the utility bar",
                "4 runs, 0 already finished");
        assertThat(tmp.resolve("sweep.csv")).content().hasLineCount(11);
        // the leaderboard next to sweep.csv: every run a row; the chosen setting's 3 runs per recipe highlighted
        List<LeaderboardTest.Parsed> board = LeaderboardTest.parse(Files.readString(tmp.resolve("leaderboard.html")));
        assertThat(board).hasSize(10);
        assertThat(board).filteredOn(LeaderboardTest.Parsed::sel).extracting(LeaderboardTest.Parsed::id)
                .containsExactlyInAnyOrder("ga_lr=3e-3_seed0", "ga_lr=3e-3_seed1", "ga_lr=3e-3_seed2",
                        "npo_lr=3e-3_seed0", "npo_lr=3e-3_seed1", "npo_lr=3e-3_seed2");
    }

    @Test
    void aGridOnSeveralSeedsOrTheSelectionSeedAmongTheReportingOnesIsRefused() {
        SweepSpec two = new SweepSpec(List.of("ga"), Map.of("lr", List.of("1e-3")), 0, 0, List.of(0, 1));
        assertThatThrownBy(() -> new TunedSweep(two, List.of(2), "q", "u", 1, 0.9).validate())
                .hasMessageContaining("selects on one seed");
        SweepSpec one = new SweepSpec(List.of("ga"), Map.of("lr", List.of("1e-3")), 0, 0, List.of(0));
        assertThatThrownBy(() -> new TunedSweep(one, List.of(0, 1), "q", "u", 1, 0.9).validate())
                .hasMessageContaining("other than the selection seed 0");
        assertThatThrownBy(() -> new TunedSweep(one, List.of(1, 1), "q", "u", 1, 0.9).validate())
                .hasMessageContaining("lists a seed twice");
    }
}
