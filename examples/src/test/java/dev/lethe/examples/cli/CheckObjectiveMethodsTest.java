package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.engine.io.CheckpointReader;
import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.transformer.model.CausalLM;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code lethe check-objective} on the objectives of issue 21 against unlearn's PyTorch fixture for them
 * (methods/llama_methods.safetensors from its test-jar, made by unlearn/scripts/make_method_fixtures.py: forget,
 * retain and alternate batches, reference = 0.98 x the model): AltPO, UNDO's distillation, SIBL's mean logit margin and
 * LUNAR's fit with its direction r read from the fixture; 1e-5 relative on the loss, 1e-4 on five gradients.
 */
class CheckObjectiveMethodsTest {
    @TempDir
    static Path base;

    static Path fixture;

    static Path reference;

    @BeforeAll
    static void copyFixtureAndScaleTheReference() throws Exception {
        fixture = base.resolve("llama_methods.safetensors");
        try (var in = CheckObjectiveMethodsTest.class.getResourceAsStream("/methods/llama_methods.safetensors")) {
            if (in == null) {
                throw new IllegalStateException("methods/llama_methods.safetensors is not on the test classpath; it"
                        + " comes with lethe-unlearn's test-jar (build with -am)");
            }
            java.nio.file.Files.copy(in, fixture);
        }
        CausalLM ref = CausalLM.load(SharedFiles.path("fixtures/hf/llama")).copy();
        ref.parameters().values().forEach(p -> p.value().muli(0.98));
        reference = base.resolve("reference");
        ref.save(reference);
    }

    @ParameterizedTest
    @CsvSource({"altpo,altpo,", "distillation,distill,", "mean_logit_margin,sibl_margin,",
        "lunar,lunar,layer=0 coeff=2 lunar_r_from=lunar.r"})
    void matchesPyTorchThroughTheCommandLine(String objective, String prefix, String sets) throws Exception {
        Path out = base.resolve(objective + ".safetensors");
        List<String> args = new ArrayList<>(List.of("check-objective", "--model",
                SharedFiles.path("fixtures/hf/llama").toString(), "--objective", objective, "--batch",
                fixture.toString(), "--reference-model", reference.toString(), "--out", out.toString()));
        if (sets != null) {
            for (String s : sets.split(" ")) {
                args.add("--set");
                args.add(s);
            }
        }
        CliRun r = CliRun.of(args.toArray(new String[0]));
        assertThat(r.code()).as(r.err()).isZero();
        try (CheckpointReader want = CheckpointReader.open(fixture); CheckpointReader got = CheckpointReader.open(out)) {
            double w = want.readFloat64(prefix + ".loss").getDouble(0);
            double g = got.readFloat64("loss").getDouble(0);
            assertThat(Math.abs(g - w) / Math.abs(w)).as("loss %s vs %s", g, w).isLessThan(1e-5);
            int checked = 0;
            for (String key : want.names()) {
                if (key.startsWith(prefix + ".grad.")) {
                    INDArray ref = want.readFloat64(key);
                    INDArray ours = got.readFloat64("grad." + key.substring((prefix + ".grad.").length()));
                    double scale = Math.max(ref.amaxNumber().doubleValue(), 1e-12);
                    assertThat(ours.sub(ref).amaxNumber().doubleValue() / scale).as(key).isLessThan(1e-4);
                    checked++;
                }
            }
            assertThat(checked).isEqualTo(5);
        }
    }

    @Test
    void lunarWithoutItsDirectionNamesTheSetting() {
        CliRun r = CliRun.of("check-objective", "--model", SharedFiles.path("fixtures/hf/llama").toString(),
                "--objective", "lunar", "--set", "layer=0", "--batch", fixture.toString(), "--out",
                base.resolve("x.safetensors").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("lunar_r_from=TENSOR");
        CliRun missing = CliRun.of("check-objective", "--model", SharedFiles.path("fixtures/hf/llama").toString(),
                "--objective", "lunar", "--set", "layer=0", "--set", "lunar_r_from=lunar.q", "--batch",
                fixture.toString(), "--out", base.resolve("x.safetensors").toString());
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("lunar_r_from=lunar.q").contains("no tensor named 'lunar.q'");
    }
}
