package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.engine.testing.SharedFiles;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.shade.jackson.databind.ObjectMapper;

class InfoCommandTest {

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(String... args) throws Exception {
        CliRun r = CliRun.of(args);
        assertThat(r.code()).as(r.err()).isZero();
        String[] lines = r.out().strip().split("\n");
        assertThat(lines).hasSize(1);
        return new ObjectMapper().readValue(lines[0], Map.class);
    }

    private static String dir(String rel) {
        return SharedFiles.path(rel).toString();
    }

    /** Parameter counts worked out by hand from the configs (weights and biases of each layer). */
    @Test
    void gpt2FixtureCountsTiedHeadOnceAndHasLearnedPositions() throws Exception {
        Map<String, Object> j = json("info", "--json", "--load", dir("fixtures/hf/gpt2"));
        // wte 512*64 + wpe 128*64 + 2 * (ln 2*64 + c_attn 64*192+192 + attn c_proj 64*64+64 + ln 2*64
        //   + c_fc 64*256+256 + mlp c_proj 256*64+64) + ln_f 2*64
        long want = 512 * 64 + 128 * 64 + 2 * (128 + 64 * 192 + 192 + 64 * 64 + 64 + 128 + 64 * 256 + 256 + 256 * 64 + 64)
                + 128;
        assertThat(((Number) j.get("parameters")).longValue()).isEqualTo(want);
        assertThat(((Number) j.get("loaded_parameters")).longValue()).isEqualTo(want);
        assertThat(j).containsEntry("family", "gpt2").containsEntry("tied_head", true).containsEntry("layers", 2)
                .containsEntry("heads", 4).containsEntry("kv_heads", 4).containsEntry("hidden", 64)
                .containsEntry("vocab", 512).containsEntry("max_positions", 128).containsEntry("rope", null)
                .containsEntry("stored_dtypes", Map.of("F32", 28)).containsEntry("config_dtype", "float32");
        assertThat(j.get("architectures")).isEqualTo(java.util.List.of("GPT2LMHeadModel"));
    }

    @Test
    void llamaFixtureHasGqaUntiedHeadAndRope() throws Exception {
        Map<String, Object> j = json("info", "--json", dir("fixtures/hf/llama"));
        // embed + lm_head 2*512*64 + 2 * (q 64*64 + k, v 2*32*64 + o 64*64 + gate, up, down 3*64*128 + 2 norms)
        //   + final norm
        long want = 2 * 512 * 64 + 2 * (64 * 64 + 2 * 32 * 64 + 64 * 64 + 3 * 64 * 128 + 2 * 64) + 64;
        assertThat(((Number) j.get("parameters")).longValue()).isEqualTo(want);
        assertThat(j).containsEntry("family", "llama").containsEntry("tied_head", false).containsEntry("kv_heads", 2)
                .containsEntry("heads", 4).containsEntry("head_dim", 16).containsEntry("intermediate", 128)
                .containsEntry("loaded_parameters", null);
        @SuppressWarnings("unchecked")
        Map<String, Object> rope = (Map<String, Object>) j.get("rope");
        assertThat(rope).containsEntry("type", "default").containsEntry("theta", 10000.0);
    }

    @Test
    void olmoFixtureHasNoNormParameters() throws Exception {
        Map<String, Object> j = json("info", "--json", "--load", dir("fixtures/hf/olmo"));
        long want = 2 * 512 * 64 + 2 * (4 * 64 * 64 + 3 * 64 * 128);
        assertThat(((Number) j.get("parameters")).longValue()).isEqualTo(want);
        assertThat(((Number) j.get("loaded_parameters")).longValue()).isEqualTo(want);
        assertThat(j).containsEntry("family", "olmo").containsEntry("kv_heads", 4);
    }

    @Test
    void stories260kReadsTransformers4RopeAndTiedHead() throws Exception {
        Map<String, Object> j = json("info", "--json", dir("models/stories260K/hf"));
        long want = 512 * 64 + 5 * (64 * 64 + 2 * 32 * 64 + 64 * 64 + 3 * 64 * 172 + 2 * 64) + 64;
        assertThat(want).isEqualTo(260_032);
        assertThat(((Number) j.get("parameters")).longValue()).isEqualTo(want);
        assertThat(j).containsEntry("layers", 5).containsEntry("heads", 8).containsEntry("kv_heads", 4)
                .containsEntry("tied_head", true).containsEntry("max_positions", 512);
    }

    @Test
    void textFormNamesEachAspect() {
        CliRun r = CliRun.of("info", "--load", dir("models/stories260K/hf"));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("family        llama", "architecture  LlamaForCausalLM",
                "parameters    260,032 (260.0K)", "dtype         F32 x47", "layers        5",
                "heads         8 query, 4 key/value (GQA, groups of 2), head dim 8", "vocabulary    512",
                "tied head     yes", "rope          default, theta 10000", "max positions 512",
                "loads         yes, as CausalLM with 260,032 parameters");
    }

    @Test
    void aFolderWithoutConfigFailsClearly() {
        CliRun r = CliRun.of("info", dir("fixtures"));
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("config.json: no such file").doesNotContain("\tat ");
        assertThat(r.out()).isEmpty();
    }
}
