package dev.lethe.scale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Expanding recipes x grid (or a random sample of it) x seeds, and refusing bad input before anything runs. */
class SweepSpecTest {
    static Map<String, List<String>> grid() {
        Map<String, List<String>> g = new LinkedHashMap<>();
        g.put("lr", List.of("1e-5", "5e-5"));
        g.put("epochs", List.of("5", "10", "20"));
        return g;
    }

    @Test
    void fullGridIsEveryCombinationForEveryRecipeAndSeed() {
        SweepSpec s = new SweepSpec(List.of("npo", "ga"), grid(), 0, 0, List.of(0, 1));
        s.validate();
        assertThat(s.settings()).hasSize(6).contains(Map.of("lr", "5e-5", "epochs", "20"));
        List<RunSpec> runs = s.runs();
        assertThat(runs).hasSize(24).doesNotHaveDuplicates();
        assertThat(runs.get(0)).isEqualTo(new RunSpec("npo", Map.of("lr", "1e-5", "epochs", "5"), 0));
        assertThat(runs.get(0).id()).isEqualTo("npo_epochs=5_lr=1e-5_seed0");
        assertThat(runs.stream().map(RunSpec::id).distinct()).hasSize(24);
    }

    @Test
    void randomDrawsDistinctCombinationsReproduciblyFromTheGrid() {
        SweepSpec a = new SweepSpec(List.of("npo"), grid(), 4, 42, List.of(0));
        assertThat(a.settings()).hasSize(4).doesNotHaveDuplicates().isSubsetOf(a.fullGrid());
        assertThat(new SweepSpec(List.of("npo"), grid(), 4, 42, List.of(0)).settings()).isEqualTo(a.settings());
        assertThat(new SweepSpec(List.of("npo"), grid(), 10, 42, List.of(0)).settings()).hasSize(6);
    }

    @Test
    void unknownRecipeOrSettingOrSeedInTheGridIsRefused() {
        assertThatThrownBy(() -> new SweepSpec(List.of("npo", "nope"), grid(), 0, 0, List.of(0)).validate())
                .hasMessageContaining("unknown recipe 'nope'");
        assertThatThrownBy(() -> new SweepSpec(List.of("npo"), Map.of("lrr", List.of("1")), 0, 0, List.of(0))
                .validate()).hasMessageContaining("--grid lrr: recipe 'npo': unknown setting 'lrr'");
        assertThatThrownBy(() -> new SweepSpec(List.of("npo"), Map.of("seed", List.of("1")), 0, 0, List.of(0))
                .validate()).hasMessageContaining("use --seeds");
        assertThatThrownBy(() -> new SweepSpec(List.of("npo"), grid(), 0, 0, List.of()).validate())
                .hasMessageContaining("at least one seed");
    }
}
