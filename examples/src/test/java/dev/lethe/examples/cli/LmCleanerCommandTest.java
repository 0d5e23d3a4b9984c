package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.engine.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LMCleaner through the command line on the llama fixture: {@code finetune --set record_steps=2} (4 records, batch 2,
 * one epoch = 2 recorded steps), then {@code unlearn --recipe lmcleaner} removes one of them: it corrects the one step
 * that held it, prints the forget NLL before and after (higher after) and writes the audit; without
 * {@code step_records} it fails before writing anything, naming the setting.
 */
class LmCleanerCommandTest {
    @TempDir
    Path tmp;

    @Test
    void finetuneRecordsStepsAndUnlearnRemovesARecord() throws Exception {
        Path llama = SharedFiles.path("fixtures/hf/llama");
        List<String> lines = Files.readAllLines(SharedFiles.path("data/tofu/forget01.json")).subList(0, 4);
        Path data = tmp.resolve("train.jsonl");
        Files.write(data, lines);
        Path forget = tmp.resolve("forget.jsonl");
        Files.write(forget, lines.subList(0, 1));
        Path ft = tmp.resolve("ft");
        CliRun f = CliRun.of("finetune", "--model", llama.toString(), "--data", data.toString(), "--set", "lr=3e-3",
                "--set", "epochs=1", "--set", "batch_size=2", "--set", "max_length=48", "--set", "record_steps=2",
                "--out", ft.toString());
        assertThat(f.code()).as(f.err()).isZero();
        assertThat(ft.resolve("step_records/step-000000000.safetensors")).exists();
        assertThat(ft.resolve("step_records/step-000000001.safetensors")).exists();

        Path out = tmp.resolve("clean");
        CliRun u = CliRun.of("unlearn", "--model", ft.toString(), "--forget", forget.toString(), "--recipe",
                "lmcleaner", "--set", "step_records=" + ft.resolve("step_records"), "--set", "truncation=1",
                "--out", out.toString());
        assertThat(u.code()).as(u.err()).isZero();
        assertThat(u.out()).contains("unlearn lmcleaner: 1 steps").contains("loss/forget_nll_before")
                .contains("loss/forget_nll_after");
        JsonNode audit = new ObjectMapper().readTree(out.resolve("audit/lmcleaner_audit.json").toFile());
        assertThat(audit.path("corrections")).hasSize(1);
        assertThat(audit.path("forget_nll_after").asDouble()).isGreaterThan(audit.path("forget_nll_before").asDouble());
        assertThat(out.resolve("model.safetensors")).exists();
        assertThat(out.resolve("recipe.json")).exists();

        CliRun missing = CliRun.of("unlearn", "--model", ft.toString(), "--forget", forget.toString(), "--recipe",
                "lmcleaner", "--out", tmp.resolve("none").toString());
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("step_records=DIR").doesNotContain("\tat ");
        assertThat(tmp.resolve("none").resolve("model.safetensors")).doesNotExist();
    }
}
