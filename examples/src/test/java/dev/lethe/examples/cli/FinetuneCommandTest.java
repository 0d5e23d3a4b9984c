package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.engine.io.CheckpointReader;
import dev.lethe.engine.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lethe finetune} and {@code lethe relearn} in-process on the llama fixture. */
class FinetuneCommandTest {
    @TempDir
    Path tmp;

    static Path llama() {
        return SharedFiles.path("fixtures/hf/llama");
    }

    static boolean moved(Path out) throws Exception {
        try (CheckpointReader a = CheckpointReader.open(llama()); CheckpointReader b = CheckpointReader.open(out)) {
            String n = "model.layers.1.mlp.down_proj.weight";
            return !a.readFloat32(n).equalsWithEps(b.readFloat32(n), 0);
        }
    }

    @Test
    void finetunesOnPlainTextRecords() throws Exception {
        Path data = tmp.resolve("text.jsonl");
        Files.write(data, List.of("{\"text\": \"Lethe is a river of forgetting.\"}",
                "{\"text\": \"Mnemosyne is its opposite.\"}"));
        Path out = tmp.resolve("ft");
        CliRun r = CliRun.of("finetune", "--model", llama().toString(), "--data", data.toString(), "--template", "raw",
                "--set", "lr=1e-3", "--set", "max_steps=2", "--set", "batch_size=1", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("finetune on 2 records: 2 steps").contains("loss/train");
        assertThat(Files.readAllLines(out.resolve("metrics.jsonl"))).hasSize(2);
        assertThat(moved(out)).isTrue();
        assertThat(out.resolve("tokenizer.json")).exists();
    }

    @Test
    void finetunesOnQaRecordsWithACustomTemplateAndRejectsABadOne() throws Exception {
        Path data = tmp.resolve("qa.json");
        Files.write(data, Files.readAllLines(SharedFiles.path("data/tofu/forget01.json")).subList(0, 2));
        Path out = tmp.resolve("qa");
        CliRun r = CliRun.of("finetune", "--model", llama().toString(), "--data", data.toString(), "--template",
                "Q: {question}\nA:", "--set", "max_steps=1", "--set", "max_length=48", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("1 steps");
        CliRun bad = CliRun.of("finetune", "--model", llama().toString(), "--data", data.toString(), "--template",
                "chatml", "--out", out.toString());
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--template");
    }

    @Test
    void relearnFineTunesOnAFewForgetSamples() throws Exception {
        Path data = tmp.resolve("forget.json");
        Files.write(data, Files.readAllLines(SharedFiles.path("data/tofu/forget01.json")).subList(0, 6));
        Path out = tmp.resolve("relearn");
        CliRun r = CliRun.of("relearn", "--model", llama().toString(), "--data", data.toString(), "--samples", "2",
                "--steps", "3", "--lr", "1e-3", "--seed", "7", "--batch", "2", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("relearn (2 samples): 3 steps");
        List<String> m = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertThat(m).hasSize(3);
        assertThat(m.get(2)).contains("\"lr\":0.001");
        assertThat(moved(out)).isTrue();

        CliRun tooMany = CliRun.of("relearn", "--model", llama().toString(), "--data", data.toString(), "--samples",
                "9", "--steps", "3", "--lr", "1e-3", "--out", out.toString());
        assertThat(tooMany.code()).isEqualTo(1);
        assertThat(tooMany.err()).contains("--samples must be in [1, 6]").doesNotContain("\tat ");
    }
}
