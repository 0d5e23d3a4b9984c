package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.engine.io.CheckpointReader;
import dev.lethe.engine.testing.SharedFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import picocli.CommandLine;

/**
 * {@code lethe unlearn} in-process on the llama fixture with a few TOFU / LUME records: output folder, metrics and
 * resolved recipe; recipe files; resuming a killed run to the same weights as an uninterrupted one; clear errors.
 */
class UnlearnCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    static Path llama() {
        return SharedFiles.path("fixtures/hf/llama");
    }

    /** The first {@code n} lines of a shared data file, as a new file. */
    Path head(String shared, int n, String name) throws Exception {
        List<String> lines = Files.readAllLines(SharedFiles.path(shared)).subList(0, n);
        Path f = tmp.resolve(name);
        Files.write(f, lines);
        return f;
    }

    static List<JsonNode> metrics(Path out) throws Exception {
        List<JsonNode> rows = new ArrayList<>();
        for (String l : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            rows.add(JSON.readTree(l));
        }
        return rows;
    }

    @Test
    void runsARecipeFromAFileWithOverridesAndWritesTheFolder() throws Exception {
        Path forget = head("data/tofu/forget01.json", 4, "forget.json");
        Path retain = head("data/tofu/retain99.json", 4, "retain.json");
        Path recipe = tmp.resolve("r.yaml");
        Files.writeString(recipe, "recipe: npo\nlr: 1e-4\nbeta: 0.2\nwarmup_epochs: 0\n");
        Path out = tmp.resolve("out");
        CliRun r = CliRun.of("unlearn", "--model", llama().toString(), "--forget", forget.toString(), "--retain",
                retain.toString(), "--recipe-file", recipe.toString(), "--set", "max_steps=3", "--set",
                "batch_size=2", "--set", "max_length=64", "--set", "beta=0.3", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("unlearn npo: 3 steps").contains("loss/forget").contains("loss/retain")
                .contains(out.toAbsolutePath().toString());
        assertThat(out.resolve("model.safetensors")).exists();
        assertThat(out.resolve("config.json")).exists();
        assertThat(out.resolve("checkpoint.safetensors")).doesNotExist();
        assertThat(metrics(out)).hasSize(3);
        JsonNode rec = JSON.readTree(out.resolve("recipe.json").toFile());
        assertThat(rec.get("recipe").asText()).isEqualTo("npo");
        assertThat(Double.parseDouble(rec.get("settings").get("lr").asText())).isEqualTo(1e-4);
        assertThat(rec.get("settings").get("beta").asText()).isEqualTo("0.3");
        assertThat(rec.get("settings").get("max_steps").asText()).isEqualTo("3");
        // the weights moved
        try (CheckpointReader a = CheckpointReader.open(llama()); CheckpointReader b = CheckpointReader.open(out)) {
            String n = "model.layers.0.mlp.down_proj.weight";
            assertThat(a.readFloat32(n).equalsWithEps(b.readFloat32(n), 0)).isFalse();
        }
        // a finished run is not silently appended to
        CliRun again = CliRun.of("unlearn", "--model", llama().toString(), "--forget", forget.toString(), "--retain",
                retain.toString(), "--recipe", "npo", "--out", out.toString());
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).contains("already holds a finished run").contains("--overwrite");
    }

    @Test
    void readsLumeRecords() throws Exception {
        Path forget = head("data/lume/forget.jsonl", 2, "lf.jsonl");
        Path out = tmp.resolve("lume");
        CliRun r = CliRun.of("unlearn", "--model", llama().toString(), "--forget", forget.toString(), "--recipe", "ga",
                "--set", "max_steps=1", "--set", "batch_size=2", "--set", "max_length=48", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("unlearn ga: 1 steps");
        assertThat(metrics(out)).hasSize(1);
        assertThat(metrics(out).get(0).get("tokens").asLong()).isPositive();
    }

    private static int run(Consumer<Map<String, Object>> listener, String... args) {
        CommandLine cl = LetheCli.newCommandLine();
        cl.setOut(new PrintWriter(new StringWriter(), true));
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        ((UnlearnCommand) cl.getSubcommands().get("unlearn").getCommand()).stepListener = listener;
        return cl.execute(args);
    }

    @Test
    void aKilledRunResumesToTheSameWeightsAsAnUninterruptedOne() throws Exception {
        Path forget = head("data/tofu/forget01.json", 2, "forget.json");
        Path retain = head("data/tofu/retain99.json", 2, "retain.json");
        List<String> common = List.of("unlearn", "--model", llama().toString(), "--forget", forget.toString(),
                "--retain", retain.toString(), "--recipe", "graddiff", "--set", "lr=1e-3", "--set", "batch_size=2",
                "--set", "epochs=4", "--set", "max_length=48", "--set", "warmup_epochs=0");
        Path whole = tmp.resolve("whole");
        List<String> a = new ArrayList<>(common);
        a.addAll(List.of("--out", whole.toString()));
        assertThat(run(null, a.toArray(new String[0]))).isZero();

        Path killed = tmp.resolve("killed");
        List<String> b = new ArrayList<>(common);
        b.addAll(List.of("--out", killed.toString()));
        // one batch per epoch, so a checkpoint after every step; "killed" during step 3's bookkeeping, after its
        // metrics line was written but before its checkpoint
        int code = run(line -> {
            if (((Number) line.get("step")).longValue() == 3) {
                throw new IllegalStateException("simulated kill");
            }
        }, b.toArray(new String[0]));
        assertThat(code).isEqualTo(1);
        assertThat(killed.resolve("checkpoint.safetensors")).exists();
        assertThat(killed.resolve("model.safetensors")).doesNotExist();
        assertThat(metrics(killed)).hasSize(3);

        CliRun resumed = CliRun.of(b.toArray(new String[0]));
        assertThat(resumed.code()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("resuming from").contains("(step 2)").contains("4 steps");
        List<JsonNode> m = metrics(killed);
        assertThat(m).extracting(n -> n.get("step").asInt()).containsExactly(1, 2, 3, 4);
        List<JsonNode> w = metrics(whole);
        assertThat(m.get(3).get("loss/forget").asDouble()).isEqualTo(w.get(3).get("loss/forget").asDouble());
        try (CheckpointReader x = CheckpointReader.open(whole); CheckpointReader y = CheckpointReader.open(killed)) {
            for (String n : x.names()) {
                INDArray p = x.readFloat32(n);
                assertThat(p.equalsWithEps(y.readFloat32(n), 0)).as(n).isTrue();
            }
        }
    }

    @Test
    void badInputsFailWithOneClearLine() throws Exception {
        Path forget = head("data/tofu/forget01.json", 2, "forget.json");
        Path out = tmp.resolve("bad");
        String m = llama().toString();
        CliRun unknown = CliRun.of("unlearn", "--model", m, "--forget", forget.toString(), "--recipe", "npx", "--out",
                out.toString());
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("unknown recipe 'npx'").contains("npo").doesNotContain("\tat ");

        CliRun badKey = CliRun.of("unlearn", "--model", m, "--forget", forget.toString(), "--recipe", "npo", "--set",
                "bta=1", "--out", out.toString());
        assertThat(badKey.code()).isEqualTo(1);
        assertThat(badKey.err()).contains("unknown setting 'bta'").contains("beta");

        Path file = tmp.resolve("f.yaml");
        Files.writeString(file, "recipe: simnpo\nfoo: 1\n");
        CliRun disagree = CliRun.of("unlearn", "--model", m, "--forget", forget.toString(), "--recipe", "npo",
                "--recipe-file", file.toString(), "--out", out.toString());
        assertThat(disagree.code()).isEqualTo(1);
        assertThat(disagree.err()).contains("disagrees").contains(file.toString());
        CliRun fileKey = CliRun.of("unlearn", "--model", m, "--forget", forget.toString(), "--recipe-file",
                file.toString(), "--out", out.toString());
        assertThat(fileKey.code()).isEqualTo(1);
        assertThat(fileKey.err()).contains(file.toString()).contains("unknown setting 'foo'");

        Path odd = tmp.resolve("odd.jsonl");
        Files.writeString(odd, "{\"prompt\": \"a\", \"completion\": \"b\"}\n");
        CliRun fields = CliRun.of("unlearn", "--model", m, "--forget", odd.toString(), "--recipe", "ga", "--out",
                out.toString());
        assertThat(fields.code()).isEqualTo(1);
        assertThat(fields.err()).contains(odd.toString()).contains("line 1").contains("[prompt, completion]");

        CliRun noRetain = CliRun.of("unlearn", "--model", m, "--forget", forget.toString(), "--recipe", "npo",
                "--set", "max_length=48", "--out", out.toString());
        assertThat(noRetain.code()).isEqualTo(1);
        assertThat(noRetain.err()).contains("--retain");

        CliRun missing = CliRun.of("unlearn", "--model", tmp.resolve("nope").toString(), "--forget",
                forget.toString(), "--recipe", "ga", "--out", out.toString());
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("nope").contains("--model");

        CliRun verbose = CliRun.of("--verbose", "unlearn", "--model", m, "--forget", forget.toString(), "--recipe",
                "npx", "--out", out.toString());
        assertThat(verbose.err()).contains("\tat ");
    }
}
