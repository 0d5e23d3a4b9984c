package dev.lethe.transformer.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lethe.transformer.model.CausalLM;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link Decoding} from a map of request options: defaults, overrides, and clear errors for bad values. */
class DecodingOptionsTest {

    @Test
    void defaultsAndOverridesFromAMap() {
        Decoding d = Decoding.fromOptions(Map.of("decoding", "CD", "alpha", "0.25", "amateur_temperature", 1));
        assertThat(d).isEqualTo(new Decoding(Decoding.Method.CD, 0.25, 1.0, 0, 0.6, 20, 1.0));
        assertThat(Decoding.fromOptions(Map.of("max_tokens", 5)).method()).isEqualTo(Decoding.Method.GREEDY);
        assertThat(Decoding.fromOptions(Map.of("decoding", "apd", "apd_top_k", 5)).apdTopK()).isEqualTo(5);
    }

    @Test
    void badOptionsAreClearErrors() throws Exception {
        assertThatThrownBy(() -> Decoding.fromOptions(Map.of("decoding", "beam")))
                .hasMessageContaining("unknown decoding 'beam'");
        assertThatThrownBy(() -> Decoding.fromOptions(Map.of("decoding", "cd", "alpha", 0)))
                .hasMessageContaining("alpha must be in (0, 1]");
        assertThatThrownBy(() -> Decoding.fromOptions(Map.of("apd_topk", 5))).hasMessageContaining("apd_topk");
        assertThatThrownBy(() -> Decoding.fromOptions(Map.of("alpha", "high"))).hasMessageContaining("'alpha'");
        CausalLM model = GeneratorTest.fixture("llama3");
        assertThatThrownBy(() -> Decoding.of(Decoding.Method.APD).processors(model, null))
                .hasMessageContaining("--alm DIR");
        assertThat(Decoding.of(Decoding.Method.CD).processors(model, GeneratorTest.fixture("qwen2"))[0])
                .isInstanceOf(ContrastiveDecoding.class);
    }
}
