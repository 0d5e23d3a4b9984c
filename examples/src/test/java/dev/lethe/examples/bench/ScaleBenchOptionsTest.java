package dev.lethe.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@code bench scale --base-dtype}: accepted with a LoRA rank, refused without one and for unknown names. */
class ScaleBenchOptionsTest {
    private static ScaleBench.Options options(int loraRank, String baseDtype) {
        return new ScaleBench.Options(1, 8, 16, 2, 10, 1, 4, 1, ".*", 0.1, 1, 1e-3, loraRank, false, baseDtype);
    }

    @Test
    void baseDtypeNeedsALoraRankAndAKnownName() {
        assertThat(options(2, "bf16").baseDtype()).isEqualTo("bf16");
        assertThat(options(0, "float32").baseDtype()).isEqualTo("float32");
        assertThatThrownBy(() -> options(0, "bf16")).hasMessageContaining("--base-dtype bf16")
                .hasMessageContaining("add --lora-rank R");
        assertThatThrownBy(() -> options(2, "fp8")).hasMessageContaining(
                "--base-dtype must be float32, bf16 or f16, got 'fp8'");
    }
}
