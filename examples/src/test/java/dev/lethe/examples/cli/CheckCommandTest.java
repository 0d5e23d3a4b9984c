package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.engine.io.CheckpointReader;
import dev.lethe.engine.io.SafetensorsWriter;
import dev.lethe.engine.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

class CheckCommandTest {

    @TempDir
    Path tmp;

    private static Path fixture(String family) {
        return SharedFiles.path("fixtures/hf/" + family);
    }

    private static String row(String out, String quantity) {
        return out.lines().filter(l -> l.startsWith(quantity + " ")).findFirst().orElseThrow(
                () -> new AssertionError("no row for " + quantity + " in\n" + out));
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "olmo"})
    void sharedFixturesPassAndTheDumpHasTheReferenceNames(String family) throws Exception {
        Path dump = tmp.resolve(family + ".safetensors");
        Path dir = fixture(family);
        CliRun r = CliRun.of("check", "--model", dir.toString(), "--reference",
                dir.resolve("reference.safetensors").toString(), "--out", dump.toString());
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("PASS: 13 quantities within tolerance");
        for (String q : List.of("logits", "hidden.0", "hidden.1", "hidden.2", "token_logprobs", "loss", "grad.*",
                "greedy_ids", "adamw1.*", "adamw3.*", "adamw1_f32.*", "adamw3_f32.*", "adamw1_refgrad.*")) {
            assertThat(row(r.out(), q)).as(q).contains(" ok ");
        }
        // float64 trajectory and the optimizer alone: 1e-5; the float32 trajectory: 1e-4 (see AdamWErrors)
        assertThat(row(r.out(), "adamw3.*")).contains("1e-05");
        assertThat(row(r.out(), "adamw1_refgrad.*")).contains("1e-05").doesNotContain("not compared");
        assertThat(row(r.out(), "adamw3_f32.*")).contains("1e-04");
        assertThat(row(r.out(), "greedy_ids")).contains("0.000e+00", "exact");
        try (CheckpointReader ref = CheckpointReader.open(dir.resolve("reference.safetensors"));
             CheckpointReader got = CheckpointReader.open(dump)) {
            List<String> want = new ArrayList<>(ref.names());
            want.removeAll(List.of("input_ids", "attention_mask", "labels"));
            List<String> same = got.names().stream().filter(n -> !n.matches("adamw\\d+_(f32|refgrad)\\..+")).toList();
            assertThat(same).containsExactlyInAnyOrderElementsOf(want);
            for (String n : got.names()) {
                String refName = n.replaceFirst("^(adamw\\d+)_(f32|refgrad)\\.", "$1.");
                assertThat(got.info(n).shape()).as(n).isEqualTo(ref.info(refName).shape());
            }
            assertThat(got.info("greedy_ids").dtype()).isEqualTo(ref.info("greedy_ids").dtype());
            assertThat(got.readFloat64("greedy_ids")).isEqualTo(ref.readFloat64("greedy_ids"));
        }
    }

    /** One weight matrix scaled by 1.01: the forward quantities move by far more than 1e-5 and the check fails. */
    @Test
    void aPerturbedModelFails() throws Exception {
        Path src = fixture("llama");
        Path bad = Files.createDirectories(tmp.resolve("perturbed"));
        Files.copy(src.resolve("config.json"), bad.resolve("config.json"));
        Map<String, INDArray> w;
        try (CheckpointReader reader = CheckpointReader.open(src)) {
            w = reader.readAllFloat32();
        }
        w.get("model.layers.1.mlp.down_proj.weight").muli(1.01);
        SafetensorsWriter.write(bad.resolve("model.safetensors"), w);
        CliRun r = CliRun.of("check", "--model", bad.toString(), "--reference",
                src.resolve("reference.safetensors").toString(), "--no-adamw");
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(row(r.out(), "logits")).contains("FAIL");
        assertThat(row(r.out(), "hidden.1")).contains(" ok ");
        assertThat(row(r.out(), "hidden.2")).contains("FAIL");
        assertThat(row(r.out(), "grad.*")).contains("FAIL");
        assertThat(r.out().strip()).endsWith("out of tolerance or missing");
        assertThat(r.out().lines().reduce((a, b) -> b).orElseThrow()).startsWith("FAIL: ");
        // adamw1/adamw3 are in the reference but were skipped: reported missing
        assertThat(row(r.out(), "adamw1.*")).contains("missing", "FAIL");
        assertThat(r.err()).isEmpty();
    }

    /** A reference with only some quantities: the rest are listed as not in the reference and do not count. */
    @Test
    void quantitiesAbsentFromTheReferenceDoNotCountButMissingOnesFail() throws Exception {
        Path src = fixture("llama");
        Map<String, INDArray> part = new LinkedHashMap<>();
        try (CheckpointReader ref = CheckpointReader.open(src.resolve("reference.safetensors"))) {
            for (String n : List.of("input_ids", "attention_mask", "labels", "logits", "loss")) {
                part.put(n, ref.readStored(n));
            }
        }
        Path partial = tmp.resolve("partial.safetensors");
        SafetensorsWriter.write(partial, part);
        CliRun ok = CliRun.of("check", "--model", src.toString(), "--reference", partial.toString());
        assertThat(ok.code()).as(ok.out() + ok.err()).isZero();
        assertThat(ok.out()).contains("PASS: 2 quantities within tolerance");
        assertThat(row(ok.out(), "grad.*")).contains("not in the reference");
        assertThat(row(ok.out(), "adamw3.*")).contains("not in the reference");

        part.put("hidden.7", part.get("logits"));
        Path extra = tmp.resolve("extra.safetensors");
        SafetensorsWriter.write(extra, part);
        CliRun bad = CliRun.of("check", "--model", src.toString(), "--reference", extra.toString(), "--no-adamw");
        assertThat(bad.code()).isEqualTo(1);
        assertThat(row(bad.out(), "hidden.7")).contains("missing", "FAIL");
    }

    /**
     * Without leaving out noise-level elements, GPT-2's AdamW results differ from PyTorch's where the exact gradient
     * is zero (the key bias: softmax ignores a per-query constant) and both sides hold only rounding noise.
     */
    @Test
    void comparingAdamWOnEveryElementExposesTheNoiseLevelKeyBias() {
        Path dir = fixture("gpt2");
        CliRun r = CliRun.of("check", "--model", dir.toString(), "--reference",
                dir.resolve("reference.safetensors").toString(), "--adamw-all-elements");
        assertThat(r.code()).isEqualTo(1);
        assertThat(row(r.out(), "adamw1.*")).contains("FAIL", "attn.c_attn.bias");
        assertThat(row(r.out(), "grad.*")).contains(" ok ");
    }

    @Test
    void aReferenceWithoutInputsFailsClearly() {
        Path dir = fixture("llama");
        CliRun r = CliRun.of("check", "--model", dir.toString(), "--reference",
                dir.resolve("model.safetensors").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("has no input_ids tensor", "shared/fixtures/README.md").doesNotContain("\tat ");
        CliRun missing = CliRun.of("check", "--model", dir.toString(), "--reference", "/no/ref.safetensors");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("/no/ref.safetensors: no such file");
    }
}
