package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.optim.train.RunFolderLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code unlearn}, {@code finetune} and {@code relearn} refuse an output folder another run holds, naming it, and
 * leave its files alone; once it is released, the same command runs.
 */
class RunFolderInUseTest {

    @TempDir
    Path tmp;

    @Test
    void trainingCommandsRefuseAFolderInUse() throws Exception {
        Path data = tmp.resolve("forget.json");
        Files.write(data, Files.readAllLines(SharedFiles.path("data/tofu/forget01.json")).subList(0, 2));
        String model = SharedFiles.path("fixtures/hf/llama").toString();
        Path pairs = tmp.resolve("pairs.jsonl");
        Files.writeString(pairs, "{\"prompt\": \"Who wrote it?\", \"chosen\": \"I do not know.\","
                + " \"rejected\": \"Basil.\"}\n");
        Path out = tmp.resolve("out");
        Files.createDirectories(out);
        Path theirs = out.resolve("metrics.jsonl");
        Files.writeString(theirs, "{\"step\":1}\n");

        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> other = CompletableFuture.runAsync(() -> {
            try (RunFolderLock lock = RunFolderLock.acquire(out, "the other run")) {
                held.countDown();
                release.await(120, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(held.await(30, TimeUnit.SECONDS)).isTrue();
        try {
            List<String[]> commands = List.of(
                    new String[] {"unlearn", "--model", model, "--forget", data.toString(), "--recipe", "ga",
                        "--set", "max_steps=1", "--out", out.toString()},
                    new String[] {"finetune", "--model", model, "--data", data.toString(), "--set", "max_steps=1",
                        "--out", out.toString()},
                    new String[] {"relearn", "--model", model, "--data", data.toString(), "--samples", "1", "--steps",
                        "1", "--lr", "1e-4", "--out", out.toString()},
                    new String[] {"distill", "--teacher", model, "--student", model, "--data", data.toString(),
                        "--set", "max_steps=1", "--out", out.toString()},
                    new String[] {"dpo", "--model", model, "--data", pairs.toString(), "--set", "max_steps=1",
                        "--out", out.toString()});
            for (String[] args : commands) {
                CliRun r = CliRun.of(args);
                assertThat(r.code()).as(args[0] + ": " + r.err()).isEqualTo(CliErrorHandler.FAILURE);
                assertThat(r.err()).as(args[0]).contains("lethe: " + out + " is in use by another run: the other run"
                        + " (pid " + ProcessHandle.current().pid() + " on host ").contains("started ")
                        .doesNotContain("--verbose");
                assertThat(Files.readString(theirs)).as(args[0] + " left the other run's files alone")
                        .isEqualTo("{\"step\":1}\n");
                assertThat(out.resolve("model.safetensors")).doesNotExist();
            }
        } finally {
            release.countDown();
            other.get(60, TimeUnit.SECONDS);
        }
        CliRun after = CliRun.of("finetune", "--model", model, "--data", data.toString(), "--set", "max_steps=1",
                "--out", out.toString());
        assertThat(after.code()).as(after.err()).isZero();
        assertThat(out.resolve("model.safetensors")).exists();
    }
}
