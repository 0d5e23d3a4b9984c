package dev.lethe.scale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sweep runner on a real embedded Spark ({@code local[2]}) with a small task whose metrics are a known function
 * of the run: every run becomes a row, results land per run, a rerun skips the finished runs, a task that fails on its
 * first attempt is retried and the sweep's rows equal an undisturbed sweep's, and bad masters are refused first.
 */
class SweepRunnerTest {
    @TempDir
    Path tmp;

    /** metric = lr * 1000 + seed; writes a "model" file in its work folder and returns its SHA-256. */
    static class ArithmeticTask implements SweepTask {
        final String failFirstAttemptOf;

        ArithmeticTask(String failFirstAttemptOf) {
            this.failFirstAttemptOf = failFirstAttemptOf;
        }

        @Override
        public void check(SweepSpec spec) {
        }

        @Override
        public RunResult run(RunSpec run, Path workDir) throws Exception {
            if (run.id().equals(failFirstAttemptOf) && TaskContext.get().attemptNumber() == 0) {
                throw new IllegalStateException("injected failure of " + run.id());
            }
            double m = Double.parseDouble(run.settings().get("lr")) * 1000 + run.seed();
            byte[] model = (run.id() + ":" + m).getBytes(StandardCharsets.UTF_8);
            Files.write(workDir.resolve("model.bin"), model);
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(model));
            Map<String, Double> metrics = new LinkedHashMap<>();
            metrics.put("metric", m);
            metrics.put("attempt", (double) TaskContext.get().attemptNumber());
            return new RunResult(run, metrics, 0.0, sha);
        }
    }

    /** A task that must not run (the rerun has nothing to do). */
    static class NeverTask extends ArithmeticTask {
        NeverTask() {
            super(null);
        }

        @Override
        public RunResult run(RunSpec run, Path workDir) {
            throw new AssertionError("ran " + run.id() + " although it had finished");
        }
    }

    static SweepSpec spec() {
        Map<String, List<String>> grid = new LinkedHashMap<>();
        grid.put("lr", List.of("1e-3", "2e-3"));
        return new SweepSpec(List.of("ga", "npo"), grid, 0, 0, List.of(0, 1));
    }

    @Test
    void localTwoRunsEveryRunOnceStoresRowsAndARerunSkipsFinishedRuns() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Path out = tmp.resolve("a");
        List<RunResult> rows = SweepRunner.run(spec(), new ArithmeticTask(null), "local[2]", out,
                new PrintStream(log, true, StandardCharsets.UTF_8));
        assertThat(rows).hasSize(8);
        assertThat(rows.get(0).run().id()).isEqualTo("ga_lr=1e-3_seed0");
        assertThat(rows.get(0).metrics().get("metric")).isEqualTo(1.0);
        assertThat(rows.get(3).metrics().get("metric")).isEqualTo(3.0); // ga, lr 2e-3, seed 1
        assertThat(out.resolve("runs")).isDirectoryContaining("glob:**/npo_lr=2e-3_seed1.json");
        assertThat(Files.readAllLines(out.resolve("sweep.csv"))).hasSize(9)
                .element(0).isEqualTo("id,recipe,seed,lr,metric,attempt,wall_seconds,model_sha256");
        assertThat(out.resolve("sweep.json")).isRegularFile();
        assertThat(log.toString()).contains("8 runs, 0 already finished, 8 to run on local[2]");

        Files.delete(out.resolve("runs/npo_lr=1e-3_seed0.json"));
        List<RunResult> rerun = SweepRunner.run(spec(), new ArithmeticTask(null), "local[2]", out,
                new PrintStream(log, true, StandardCharsets.UTF_8));
        assertThat(log.toString()).contains("8 runs, 7 already finished, 1 to run");
        assertThat(rerun).isEqualTo(rows);
        assertThat(SweepRunner.run(spec(), new NeverTask(), "local[2]", out,
                new PrintStream(log, true, StandardCharsets.UTF_8))).isEqualTo(rows);

        Path disturbed = tmp.resolve("b");
        List<RunResult> retried = SweepRunner.run(spec(), new ArithmeticTask("npo_lr=1e-3_seed1"), "local[2,2]",
                disturbed, new PrintStream(log, true, StandardCharsets.UTF_8));
        // the retried run's row differs only in the attempt that made it
        assertThat(retried.get(5).metrics().get("attempt")).isEqualTo(1.0);
        for (int i = 0; i < rows.size(); i++) {
            assertThat(retried.get(i).run()).isEqualTo(rows.get(i).run());
            assertThat(retried.get(i).metrics().get("metric")).isEqualTo(rows.get(i).metrics().get("metric"));
            assertThat(retried.get(i).modelSha256()).isEqualTo(rows.get(i).modelSha256());
        }
        assertThat(disturbed.resolve("work/npo_lr=1e-3_seed1-attempt1/model.bin")).isRegularFile();
    }

    @Test
    void badMasterIsRefusedBeforeAnyRun() {
        Path out = tmp.resolve("c");
        assertThatThrownBy(() -> SweepRunner.run(spec(), new ArithmeticTask(null), "spark://127.0.0.1:1", out,
                System.out)).hasMessageContaining("no Spark master answers at 127.0.0.1:1");
        assertThatThrownBy(() -> SweepRunner.run(spec(), new ArithmeticTask(null), "local[two]", out, System.out))
                .hasMessageContaining("not a Spark master URL");
        assertThat(out).doesNotExist();
    }
}
