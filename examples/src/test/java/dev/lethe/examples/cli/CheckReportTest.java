package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CheckReportTest {

    @Test
    void groupsGradientsAndNamesTheWorst() {
        CheckReport r = CheckReport.of(List.of("logits", "grad.a", "grad.b", "greedy_ids"),
                Map.of("logits", 2e-6, "grad.a", 3e-5, "grad.b", 5e-5, "greedy_ids", 0.0),
                List.of("input_ids", "logits", "grad.a", "grad.b", "greedy_ids"), Map.of());
        assertThat(r.passed()).isTrue();
        CheckReport.Row g = r.rows().stream().filter(x -> x.quantity().equals("grad.*")).findFirst().orElseThrow();
        assertThat(g.error()).isEqualTo(5e-5);
        assertThat(g.worst()).isEqualTo("b");
        assertThat(g.count()).isEqualTo(2);
        assertThat(r.lines().get(r.lines().size() - 1)).isEqualTo("PASS: 3 quantities within tolerance");
    }

    @Test
    void tolerancesPerQuantity() {
        assertThat(CheckReport.tolerance("logits")).isEqualTo(1e-5);
        assertThat(CheckReport.tolerance("hidden.3")).isEqualTo(1e-5);
        assertThat(CheckReport.tolerance("left.logits")).isEqualTo(1e-5);
        assertThat(CheckReport.tolerance("grad.model.embed_tokens.weight")).isEqualTo(1e-4);
        assertThat(CheckReport.tolerance("adamw3.lm_head.weight")).isEqualTo(1e-5);
        assertThat(CheckReport.tolerance("adamw1_refgrad.lm_head.weight")).isEqualTo(1e-5);
        assertThat(CheckReport.tolerance("greedy_ids")).isZero();
    }

    @Test
    void nanOutOfToleranceInexactGreedyMissingOrNothingComparedFail() {
        assertThat(CheckReport.of(List.of("loss"), Map.of("loss", Double.NaN), List.of("loss"), Map.of()).passed())
                .isFalse();
        assertThat(CheckReport.of(List.of("loss"), Map.of("loss", 2e-5), List.of("loss"), Map.of()).passed())
                .isFalse();
        assertThat(CheckReport.of(List.of("greedy_ids"), Map.of("greedy_ids", 1e-9), List.of("greedy_ids"), Map.of())
                .passed()).isFalse();
        assertThat(CheckReport.of(List.of("loss"), Map.of("loss", 0.0), List.of("loss", "grad.x"), Map.of()).passed())
                .isFalse();
        CheckReport none = CheckReport.of(List.of("loss"), Map.of(), List.of("input_ids"), Map.of());
        assertThat(none.passed()).isFalse();
        assertThat(none.lines().get(none.lines().size() - 1)).startsWith("FAIL: the reference holds none");
    }
}
