package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.engine.io.CheckpointReader;
import dev.lethe.engine.io.SafetensorsWriter;
import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.transformer.model.CausalLM;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code lethe check-objective} against the PyTorch parity fixture of the unlearn module
 * (unlearn's test resource objectives/llama_objectives.safetensors, from its test-jar: batches, then per objective its loss and the
 * gradients of five parameters, with the reference model = 0.98 x the fixture's weights): 1e-5 relative on the loss,
 * 1e-4 on the gradients, for every objective, through the command line only.
 */
class CheckObjectiveCommandTest {
    static final String[] OBJECTIVES = {"ga", "nll", "graddiff", "kl", "npo", "npo_retain", "simnpo", "dpo", "idknll",
        "wga", "satimp", "undial", "ceu", "logit_margin", "rmu"};

    @TempDir
    static Path base;

    static Path reference;

    static Path fixture;

    /** unlearn's parity fixture, from its test-jar on the classpath (copied out once: the CLI reads files). */
    static Path fixture() {
        return fixture;
    }

    @BeforeAll
    static void copyFixture() throws Exception {
        fixture = base.resolve("llama_objectives.safetensors");
        try (var in = CheckObjectiveCommandTest.class.getResourceAsStream("/objectives/llama_objectives.safetensors")) {
            if (in == null) {
                throw new IllegalStateException("objectives/llama_objectives.safetensors is not on the test classpath;"
                        + " it comes with lethe-unlearn's test-jar (build with -am)");
            }
            java.nio.file.Files.copy(in, fixture);
        }
    }

    static Path llama() {
        return SharedFiles.path("fixtures/hf/llama");
    }

    @BeforeAll
    static void scaledReference() throws Exception {
        CausalLM ref = CausalLM.load(llama()).copy();
        ref.parameters().values().forEach(p -> p.value().muli(0.98));
        reference = base.resolve("reference");
        ref.save(reference);
    }

    static Stream<String> objectives() {
        return Stream.of(OBJECTIVES);
    }

    static List<String> sets(String name) {
        return switch (name) {
            case "simnpo" -> List.of("beta=0.1", "delta=2");
            case "wga" -> List.of("beta=0.3");
            case "satimp" -> List.of("beta1=0.2", "beta2=1");
            case "rmu" -> List.of("layer=0", "steering=6.5", "alpha=100", "rmu_u_from=rmu.u");
            default -> List.of();
        };
    }

    @ParameterizedTest
    @MethodSource("objectives")
    void matchesPyTorchThroughTheCommandLine(String name) throws Exception {
        Path out = base.resolve(name + ".safetensors");
        List<String> args = new ArrayList<>(List.of("check-objective", "--model", llama().toString(), "--objective",
                name, "--batch", fixture().toString(), "--reference-model", reference.toString(), "--out",
                out.toString()));
        for (String s : sets(name)) {
            args.add("--set");
            args.add(s);
        }
        CliRun r = CliRun.of(args.toArray(new String[0]));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains(name + " loss");
        try (CheckpointReader want = CheckpointReader.open(fixture()); CheckpointReader got = CheckpointReader.open(out)) {
            double w = want.readFloat64(name + ".loss").getDouble(0);
            double g = got.readFloat64("loss").getDouble(0);
            assertThat(Math.abs(g - w) / Math.max(Math.abs(w), 1e-12)).as("loss %s vs %s", g, w).isLessThan(1e-5);
            int checked = 0;
            for (String key : want.names()) {
                if (!key.startsWith(name + ".grad.")) {
                    continue;
                }
                String param = key.substring((name + ".grad.").length());
                INDArray ref = want.readFloat64(key);
                INDArray ours = got.readFloat64("grad." + param);
                double scale = Math.max(ref.amaxNumber().doubleValue(), 1e-12);
                assertThat(ours.sub(ref).amaxNumber().doubleValue() / scale).as("grad %s", param).isLessThan(1e-4);
                checked++;
            }
            assertThat(checked).isEqualTo(5);
            long grads = got.names().stream().filter(n -> n.startsWith("grad.")).count();
            assertThat(grads).isEqualTo(CausalLM.load(llama()).parameters().size());
        }
    }

    @Test
    void withoutAReferenceModelTheReferenceIsACopySoNpoIsLog2() throws Exception {
        Path out = base.resolve("npo_self.safetensors");
        CliRun r = CliRun.of("check-objective", "--model", llama().toString(), "--objective", "npo", "--batch",
                fixture().toString(), "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        try (CheckpointReader got = CheckpointReader.open(out)) {
            // policy == reference: -(2/beta) log sigmoid(0) = (2/beta) log 2
            assertThat(got.readFloat64("loss").getDouble(0)).isCloseTo(2 / 0.1 * Math.log(2), org.assertj.core.api
                    .Assertions.within(1e-5));
        }
    }

    @Test
    void errorsNameTheProblem() throws Exception {
        Path out = base.resolve("err.safetensors");
        String m = llama().toString();
        CliRun unknown = CliRun.of("check-objective", "--model", m, "--objective", "npq", "--batch",
                fixture().toString(), "--out", out.toString());
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("unknown objective 'npq'").contains("simnpo").doesNotContain("\tat ");

        CliRun badSet = CliRun.of("check-objective", "--model", m, "--objective", "npo", "--set", "delta=1",
                "--batch", fixture().toString(), "--out", out.toString());
        assertThat(badSet.code()).isEqualTo(1);
        assertThat(badSet.err()).contains("unknown setting 'delta'").contains("beta");

        // only a forget batch: DPO needs chosen/rejected
        Path forgetOnly = base.resolve("forget_only.safetensors");
        Map<String, INDArray> t = new LinkedHashMap<>();
        try (CheckpointReader r = CheckpointReader.open(fixture())) {
            for (String p : new String[] {"input_ids", "attention_mask", "labels"}) {
                t.put("forget." + p, r.readFloat64("forget." + p));
            }
        }
        SafetensorsWriter.write(forgetOnly, t);
        CliRun dpo = CliRun.of("check-objective", "--model", m, "--objective", "dpo", "--batch", forgetOnly.toString(),
                "--out", out.toString());
        assertThat(dpo.code()).isEqualTo(1);
        assertThat(dpo.err()).contains("needs a 'chosen' batch").contains("[forget]");

        t.remove("forget.labels");
        SafetensorsWriter.write(forgetOnly, t);
        CliRun partial = CliRun.of("check-objective", "--model", m, "--objective", "ga", "--batch",
                forgetOnly.toString(), "--out", out.toString());
        assertThat(partial.code()).isEqualTo(1);
        assertThat(partial.err()).contains("forget.labels");

        CliRun noU = CliRun.of("check-objective", "--model", m, "--objective", "rmu", "--set", "rmu_u_from=rmu.v",
                "--batch", fixture().toString(), "--out", out.toString());
        assertThat(noU.code()).isEqualTo(1);
        assertThat(noU.err()).contains("rmu_u_from=rmu.v");
    }
}
