package dev.lethe.optim.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.engine.ParameterSet;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.testing.StoredTensors;
import dev.lethe.optim.Sgd;
import dev.lethe.optim.rule.PrimalDual;
import dev.lethe.optim.rule.RuleWrapper;
import dev.lethe.optim.rule.UpdateRule;
import dev.lethe.optim.rule.WeightAveraging;
import dev.lethe.optim.rule.WeightedSum;
import dev.lethe.optim.testing.Vec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
    @TempDir
    Path dir;

    private record Outcome(double[] theta, double[] average, double lambda, List<Double> losses) {
    }

    private static Outcome outcome(Tensor theta, UpdateRule rule, List<Double> losses) {
        WeightAveraging wa = (WeightAveraging) rule;
        UpdateRule in = wa.inner();
        while (in instanceof RuleWrapper w) {
            in = w.inner();
        }
        return new Outcome(Vec.get(theta), Vec.get(wa.average()), ((PrimalDual) in).lambda(), losses);
    }

    private Outcome uninterrupted() {
        Tensor theta = Fixture.theta(Fixture.INIT);
        UpdateRule rule = Fixture.rule();
        List<Double> losses = new ArrayList<>();
        Fixture.trainer(theta, rule, new Fixture.Source(-1), dir.resolve("full.safetensors"), 0,
                l -> losses.add((Double) l.get("loss/forget"))).run();
        return outcome(theta, rule, losses);
    }

    private Outcome resumedFrom(Path ckpt, List<Double> losses) {
        Tensor theta = Fixture.theta(9, 9, 9); // deliberately different: the checkpoint must restore it
        UpdateRule rule = Fixture.rule();
        Trainer<Fixture.QBatch> t = Fixture.trainer(theta, rule, new Fixture.Source(-1), ckpt, 0,
                l -> losses.add((Double) l.get("loss/forget")));
        t.resume(ckpt);
        t.run();
        assertThat(t.step()).isEqualTo(12);
        return outcome(theta, rule, losses);
    }

    @Test
    void resumedRunIsBitIdenticalToUninterruptedRun() {
        Outcome full = uninterrupted();
        assertThat(full.losses()).hasSize(12);
        for (long stop : new long[] {1, 5, 8}) { // mid-epoch, mid-epoch after warm-up, epoch boundary
            Path ckpt = dir.resolve("ckpt" + stop + ".safetensors");
            List<Double> losses = new ArrayList<>();
            Tensor theta = Fixture.theta(Fixture.INIT);
            Trainer<Fixture.QBatch> first = Fixture.trainer(theta, Fixture.rule(), new Fixture.Source(-1), ckpt, 0,
                    l -> losses.add((Double) l.get("loss/forget")));
            first.runUntil(stop);
            Outcome resumed = resumedFrom(ckpt, losses);
            assertThat(resumed.theta()).containsExactly(full.theta());
            assertThat(resumed.average()).containsExactly(full.average());
            assertThat(resumed.lambda()).isEqualTo(full.lambda());
            assertThat(resumed.losses()).containsExactlyElementsOf(full.losses());
        }
    }

    /** A run killed after its checkpoint at step 4 had logged steps 5 and 6 (and half a line): resumed, each step once. */
    @Test
    void resumedRunLogsEachStepOnce() throws IOException {
        Path ckpt = dir.resolve("m.safetensors");
        Path metrics = dir.resolve("resume-metrics.jsonl");
        Tensor theta = Fixture.theta(Fixture.INIT);
        Trainer<Fixture.QBatch> first = Trainer.builder(ParameterSet.values(List.of(theta)), Fixture.rule(),
                new Sgd(0.1), new Fixture.Source(-1), Fixture.factory(theta)).accumulation(2).epochs(3)
                .checkpoint(ckpt, 0).metrics(metrics).progressBar(false).build();
        first.runUntil(4);
        Path at4 = dir.resolve("m4.safetensors");
        Files.copy(ckpt, at4);
        first.runUntil(6);
        Files.writeString(metrics, "{\"step\": 7, \"loss/forg", java.nio.file.StandardOpenOption.APPEND);
        assertThat(Files.readAllLines(metrics)).hasSize(7);

        Tensor theta2 = Fixture.theta(Fixture.INIT);
        Trainer<Fixture.QBatch> resumed = Trainer.builder(ParameterSet.values(List.of(theta2)), Fixture.rule(),
                new Sgd(0.1), new Fixture.Source(-1), Fixture.factory(theta2)).accumulation(2).epochs(3)
                .metrics(metrics).progressBar(false).build();
        resumed.resume(at4);
        resumed.run();
        List<Long> steps = new ArrayList<>();
        for (String line : Files.readAllLines(metrics)) {
            steps.add(new ObjectMapper().readTree(line).get("step").asLong());
        }
        List<Long> want = new ArrayList<>();
        for (long s = 1; s <= resumed.step(); s++) {
            want.add(s);
        }
        assertThat(resumed.step()).isEqualTo(12);
        assertThat(steps).containsExactlyElementsOf(want);

        // a fresh run from step 0 replaces the file
        Tensor theta3 = Fixture.theta(Fixture.INIT);
        Trainer.builder(ParameterSet.values(List.of(theta3)), Fixture.rule(), new Sgd(0.1), new Fixture.Source(-1),
                Fixture.factory(theta3)).accumulation(2).epochs(3).maxSteps(2).metrics(metrics).progressBar(false)
                .build().run();
        assertThat(Files.readAllLines(metrics)).hasSize(2);
    }

    @Test
    void killMinus9AndResumeIsBitIdentical() throws Exception {
        Outcome full = uninterrupted();
        Path ckpt = dir.resolve("child.safetensors");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                ResumeChild.class.getName(), ckpt.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("child.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long seen = -1;
        while (System.nanoTime() < deadline && seen < 4) {
            Thread.sleep(50);
            if (Files.exists(ckpt)) {
                seen = Long.parseLong(StoredTensors.metadata(ckpt).get("step"));
            }
        }
        child.destroyForcibly(); // SIGKILL on Linux
        child.waitFor(10, TimeUnit.SECONDS);
        assertThat(seen).as(Files.readString(dir.resolve("child.log"))).isBetween(4L, 11L);
        long at = Long.parseLong(StoredTensors.metadata(ckpt).get("step"));
        List<Double> losses = new ArrayList<>(full.losses().subList(0, (int) at));
        Outcome resumed = resumedFrom(ckpt, losses);
        assertThat(resumed.theta()).containsExactly(full.theta());
        assertThat(resumed.average()).containsExactly(full.average());
        assertThat(resumed.losses()).containsExactlyElementsOf(full.losses());
    }

    @Test
    void nanGuardStopsNamingStepAndLossAndKeepsLastGoodCheckpoint() throws IOException {
        Path ckpt = dir.resolve("nan.safetensors");
        Path metrics = dir.resolve("metrics.jsonl");
        Tensor theta = Fixture.theta(Fixture.INIT);
        List<double[]> after = new ArrayList<>();
        // micro-batch 6 of epoch 0 belongs to step 4 (accumulation 2)
        Trainer<Fixture.QBatch> t = Trainer.builder(ParameterSet.values(List.of(theta)), new WeightedSum(1.0, 1.0),
                new Sgd(0.1), new Fixture.Source(6), Fixture.factory(theta)).accumulation(2).epochs(1).checkpoint(ckpt, 2).metrics(metrics)
                .listener(l -> after.add(Vec.get(theta))).progressBar(false).build();
        assertThatThrownBy(t::run).isInstanceOf(NonFiniteLossException.class)
                .hasMessageContaining("loss/forget = NaN at step 4")
                .hasMessageContaining("(step 2)")
                .satisfies(e -> assertThat(((NonFiniteLossException) e).step()).isEqualTo(4));
        assertThat(Vec.get(theta)).containsExactly(after.get(2)); // untouched by the bad step
        assertThat(StoredTensors.metadata(ckpt).get("step")).isEqualTo("2");
        double[] saved = StoredTensors.read(ckpt).get("params.theta").reshape(3).toDoubleVector();
        assertThat(saved).containsExactly(after.get(1));
        List<String> lines = Files.readAllLines(metrics);
        assertThat(lines).hasSize(3);
        JsonNode first = new ObjectMapper().readTree(lines.get(0));
        for (String key : new String[] {"step", "epoch", "lr", "loss/forget", "loss/retain", "grad_norm/forget",
            "direction_norm", "tokens", "tokens_per_s"}) {
            assertThat(first.has(key)).as(key).isTrue();
        }
        assertThat(first.get("tokens").asLong()).isEqualTo(32);
    }

    @Test
    void accumulationAveragesMicroBatchGradients() {
        Tensor theta = Fixture.theta(Fixture.INIT);
        Fixture.Source src = new Fixture.Source(-1);
        Trainer<Fixture.QBatch> t = Trainer.builder(ParameterSet.values(List.of(theta)), new WeightedSum(0.0, 1.0),
                new Sgd(0.5), src, Fixture.factory(theta))
                .learningRate(0.5, dev.lethe.optim.LrSchedule.constant()).accumulation(2).maxSteps(1)
                .progressBar(true).build(); // also exercises the terminal progress bar
        t.run();
        // retain = ½‖θ − c‖²: mean gradient θ − (c0 + c1)/2
        double[] c0 = src.batch(0, 0).centre();
        double[] c1 = src.batch(0, 1).centre();
        double[] want = new double[3];
        for (int i = 0; i < 3; i++) {
            want[i] = Fixture.INIT[i] - 0.5 * (Fixture.INIT[i] - (c0[i] + c1[i]) / 2);
        }
        assertThat(Vec.maxRelDiff(Vec.get(theta), want)).isLessThan(1e-15);
    }
}
