package dev.lethe.optim.influence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.ParameterSet;
import dev.lethe.engine.Tensor;
import dev.lethe.optim.Sgd;
import dev.lethe.optim.rule.TapeOracle;
import dev.lethe.optim.rule.WeightedSum;
import dev.lethe.optim.testing.Quadratic;
import dev.lethe.optim.testing.Vec;
import dev.lethe.optim.train.BatchSource;
import dev.lethe.optim.train.MicroBatch;
import dev.lethe.optim.train.StepRecord;
import dev.lethe.optim.train.StepRecords;
import dev.lethe.optim.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LMCleaner on least squares: 6 records (x ∈ R³, y), batches of 2, 3 batches per epoch in an order that changes with
 * the epoch, 2 epochs of plain SGD with η_s = 0.3/(1 + s) run by the real {@link Trainer} writing {@link StepRecords}.
 * A batch's loss is ½·mean (xᵀθ − y)², a quadratic with Hessian A = XᵀX/B. The expected values are computed here
 * independently in doubles: the SGD trajectory, u_s, the propagation v ← v − η_s H_s v with H_s = A_s or the Fisher
 * g_s g_sᵀ at the historical θ_s, and on this quadratic with full propagation the exact answer: SGD rerun with step
 * t_z's update left out.
 */
class LmCleanerTest {
    static final double[][] X = {{1.0, 0.5, -0.3}, {0.2, -1.1, 0.7}, {-0.6, 0.4, 1.2}, {0.9, 0.9, 0.1},
        {-0.4, -0.8, -0.5}, {0.3, 1.3, -0.9}};
    static final double[] Y = {0.7, -0.2, 1.1, 0.4, -0.9, 0.5};
    static final double[] INIT = {0.1, -0.2, 0.3};
    static final double LR = 0.3;
    static final int STEPS = 6;

    @TempDir
    Path tmp;

    record LsBatch(int[] ids) implements MicroBatch {
    }

    /** Epoch e, batch i: records (2i + e) mod 6 and (2i + 1 + 3e) mod 6. */
    static int[] ids(long epoch, long index) {
        return new int[] {(int) ((2 * index + epoch) % 6), (int) ((2 * index + 1 + 3 * epoch) % 6)};
    }

    static final class Source implements BatchSource<LsBatch> {
        @Override
        public long batchesPerEpoch() {
            return 3;
        }

        @Override
        public LsBatch batch(long epoch, long index) {
            return new LsBatch(ids(epoch, index));
        }

        @Override
        public long[] recordIds(long epoch, long index) {
            return java.util.Arrays.stream(ids(epoch, index)).asLongStream().toArray();
        }
    }

    static Quadratic quadratic(int[] ids) {
        double[][] a = new double[3][3];
        double[] b = new double[3];
        double c = 0;
        for (int id : ids) {
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    a[i][j] += X[id][i] * X[id][j] / ids.length;
                }
                b[i] += X[id][i] * Y[id] / ids.length;
            }
            c += Y[id] * Y[id] / (2.0 * ids.length);
        }
        return new Quadratic(a, b, c);
    }

    static double lr(long step) {
        return LR / (1 + step);
    }

    static TapeOracle oracle(Tensor theta, int[] ids) {
        return new TapeOracle(List.of(theta), Map.of("train", tape -> quadratic(ids).loss(tape, theta)),
                new BufferPool());
    }

    /** Trains θ with the Trainer; returns θ, its records in {@code dir}. */
    Tensor train(Path dir, int capacity) {
        Tensor theta = Vec.theta(INIT);
        StepRecords rec = StepRecords.create(dir, capacity);
        Trainer<LsBatch> t = Trainer.builder(ParameterSet.values(List.of(theta)), new WeightedSum(Map.of("train", 1.0)),
                        new Sgd(LR), new Source(), (LsBatch b, dev.lethe.optim.rule.StepContext ctx) -> oracle(theta,
                                b.ids()))
                .learningRate(LR, step -> 1.0 / (1 + step)).epochs(2).progressBar(false).recordSteps(rec).build();
        t.run();
        return theta;
    }

    LmCleaner cleaner(Tensor theta, Path dir, int k, LmCleaner.Curvature curv) {
        return new LmCleaner(StepRecords.open(dir), r -> oracle(theta, ids(r.epoch(), r.firstIndex())), "train",
                ParameterSet.values(List.of(theta)), new LmCleaner.Settings(k, curv, 0, 0, 1e-5, 0, 1e-3, 0));
    }

    // ---- the method in doubles ----

    static int[] batchOfStep(long s) {
        return ids(s / 3, s % 3);
    }

    /** θ_0 … θ_STEPS of plain SGD; the update of step {@code skip} is left out (−1: none). */
    static double[][] trajectory(int skip) {
        double[][] th = new double[STEPS + 1][];
        th[0] = INIT.clone();
        for (int s = 0; s < STEPS; s++) {
            double[] g = quadratic(batchOfStep(s)).grad(th[s]);
            th[s + 1] = s == skip ? th[s].clone() : Vec.axpy(th[s], -lr(s), g);
        }
        return th;
    }

    static double[] expectedV(int tz, int k, boolean fisher) {
        double[][] th = trajectory(-1);
        double[] v = Vec.axpy(th[tz], -1.0, th[tz + 1]); // −u[t_z]
        for (int s = tz + 1; s <= Math.min(tz + k, STEPS - 1); s++) {
            Quadratic q = quadratic(batchOfStep(s));
            double[] hv;
            if (fisher) {
                double[] g = q.grad(th[s]);
                hv = Vec.scale(Vec.dot(g, v), g);
            } else {
                hv = q.mul(v);
            }
            v = Vec.axpy(v, -lr(s), hv);
        }
        return v;
    }

    @Test
    void theTrainerRecordsEveryUpdateAndItsBatch() {
        Path dir = tmp.resolve("rec");
        train(dir, 100);
        double[][] th = trajectory(-1);
        StepRecords rec = StepRecords.open(dir);
        assertThat(rec.steps()).containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
        for (int s = 0; s < STEPS; s++) {
            StepRecord r = rec.read(s);
            assertThat(r.lr()).isEqualTo(lr(s));
            assertThat(r.ids()).containsExactly(java.util.Arrays.stream(batchOfStep(s)).asLongStream().toArray());
            assertThat(Vec.maxRelDiff(Vec.get(r.update()), Vec.axpy(th[s + 1], -1.0, th[s]))).isLessThan(1e-12);
        }
    }

    @Test
    void correctionEqualsThePropagationComputedInDoubles() {
        Path dir = tmp.resolve("rec");
        Tensor theta = train(dir, 100);
        double[] trained = Vec.get(theta);
        for (LmCleaner.Curvature c : LmCleaner.Curvature.values()) {
            LmCleaner.Correction corr = cleaner(theta, dir, 2, c).correction(1);
            double[] expected = expectedV(1, 2, c == LmCleaner.Curvature.FISHER);
            assertThat(corr.stepsPropagated()).isEqualTo(2);
            assertThat(corr.hvpCalls()).isEqualTo(2);
            assertThat(Vec.maxRelDiff(Vec.get(corr.v()), expected)).as("%s", c).isLessThan(1e-9);
            // the propagation changed v: a no-op propagation would fail the comparison above
            assertThat(Vec.maxRelDiff(expected, expectedV(1, 0, false))).isGreaterThan(1e-3);
        }
        assertThat(Vec.get(theta)).containsExactly(trained); // θ restored bit for bit
    }

    @Test
    void truncationZeroOnlyRevertsTheStepsOwnUpdate() {
        Path dir = tmp.resolve("rec");
        Tensor theta = train(dir, 100);
        LmCleaner.Correction corr = cleaner(theta, dir, 0, LmCleaner.Curvature.HESSIAN).correction(2);
        assertThat(corr.hvpCalls()).isZero();
        assertThat(corr.stepsPropagated()).isZero();
        double[] u = Vec.get(StepRecords.open(dir).read(2).update());
        assertThat(Vec.get(corr.v())).containsExactly(Vec.scale(-1.0, u));
    }

    @Test
    void fullPropagationOnAQuadraticEqualsRetrainingWithoutThatBatch() {
        Path dir = tmp.resolve("rec");
        Tensor theta = train(dir, 100);
        int tz = 1;
        double[] full = Vec.get(cleaner(theta, dir, STEPS - 1 - tz, LmCleaner.Curvature.HESSIAN).correction(tz).v());
        double[] beyond = Vec.get(cleaner(theta, dir, 1000, LmCleaner.Curvature.HESSIAN).correction(tz).v());
        assertThat(beyond).containsExactly(full); // K >= the remaining steps is the full propagation
        List<LmCleaner.Correction> done = cleaner(theta, dir, 1000, LmCleaner.Curvature.HESSIAN).remove(List.of(
                (long) tz));
        assertThat(done).hasSize(1);
        double[] retrained = trajectory(tz)[STEPS];
        assertThat(Vec.maxRelDiff(Vec.get(theta), retrained)).isLessThan(1e-8);
        assertThat(Vec.maxRelDiff(trajectory(-1)[STEPS], retrained)).isGreaterThan(1e-3);
    }

    @Test
    void stepsSeeingARecordAreFoundInTheBuffer() {
        Path dir = tmp.resolve("rec");
        Tensor theta = train(dir, 100);
        List<Long> expected = new ArrayList<>();
        for (int s = 0; s < STEPS; s++) {
            for (int id : batchOfStep(s)) {
                if (id == 4) {
                    expected.add((long) s);
                }
            }
        }
        assertThat(cleaner(theta, dir, 1, LmCleaner.Curvature.FISHER).stepsSeeing(new long[] {4}))
                .containsExactlyElementsOf(expected).hasSize(2);
    }

    @Test
    void noiseFollowsTheGaussianMechanism() {
        Path dir = tmp.resolve("rec");
        Tensor theta = train(dir, 100);
        LmCleaner c = new LmCleaner(StepRecords.open(dir), r -> oracle(theta, ids(r.epoch(), r.firstIndex())), "train",
                ParameterSet.values(List.of(theta)), new LmCleaner.Settings(1, LmCleaner.Curvature.HESSIAN, 0, 2.0,
                1e-5, 0, 1e-3, 7));
        LmCleaner.Correction corr = c.correction(0);
        double norm = Vec.norm(expectedV(0, 1, false));
        assertThat(corr.vNorm()).isCloseTo(norm, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(corr.noiseSigma()).isCloseTo(norm / 2.0 * Math.sqrt(2 * Math.log(1.25 / 1e-5)),
                org.assertj.core.data.Offset.offset(1e-12));
        assertThat(Vec.maxRelDiff(Vec.get(corr.v()), expectedV(0, 1, false))).isGreaterThan(1e-3);
    }

    @Test
    void theRingBufferKeepsTheLastStepsAndAResumedRunWritesTheSameRecords() throws Exception {
        Path full = tmp.resolve("full");
        train(full, 3);
        assertThat(StepRecords.open(full).steps()).containsExactly(3L, 4L, 5L);
        // a run stopped after 4 steps (checkpoint at step 4) with a stale record of a step 4 it never checkpointed
        Path part = tmp.resolve("part");
        Path ckpt = tmp.resolve("ckpt.safetensors");
        Tensor theta = Vec.theta(INIT);
        Trainer<LsBatch> first = trainer(theta, part, ckpt);
        first.runUntil(4);
        Files.copy(full.resolve("step-000000005.safetensors"), part.resolve("step-000000004.safetensors"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Tensor theta2 = Vec.theta(INIT);
        Trainer<LsBatch> resumed = trainer(theta2, part, ckpt);
        resumed.resume(ckpt);
        resumed.run();
        assertThat(StepRecords.open(part).steps()).containsExactly(3L, 4L, 5L);
        for (long s = 3; s <= 5; s++) {
            assertThat(Files.readAllBytes(StepRecords.open(part).path(s)))
                    .isEqualTo(Files.readAllBytes(StepRecords.open(full).path(s)));
        }
        try (Stream<Path> files = Files.list(part)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp"))).isEmpty();
        }
    }

    private Trainer<LsBatch> trainer(Tensor theta, Path dir, Path ckpt) {
        return Trainer.builder(ParameterSet.values(List.of(theta)), new WeightedSum(Map.of("train", 1.0)),
                        new Sgd(LR), new Source(), (LsBatch b, dev.lethe.optim.rule.StepContext ctx) -> oracle(theta,
                                b.ids()))
                .learningRate(LR, step -> 1.0 / (1 + step)).epochs(2).progressBar(false).checkpoint(ckpt, 0)
                .recordSteps(StepRecords.create(dir, 3)).build();
    }

    @Test
    void missingBuffersAndStepsOutsideTheBufferAreClearErrors() {
        assertThatThrownBy(() -> StepRecords.open(tmp.resolve("none")))
                .hasMessageContaining("none").hasMessageContaining("record_steps=K");
        Path dir = tmp.resolve("rec");
        Tensor theta = train(dir, 3);
        assertThatThrownBy(() -> cleaner(theta, dir, 2, LmCleaner.Curvature.FISHER).correction(1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no record of step 1; the buffer holds steps 3..5");
        assertThatThrownBy(() -> StepRecords.create(tmp.resolve("x"), 0)).hasMessageContaining("record_steps");
        assertThatThrownBy(() -> new LmCleaner.Settings(-1, LmCleaner.Curvature.FISHER, 0, 0, 1e-5, 0, 1e-3, 0))
                .hasMessageContaining("truncation K must be >= 0");
    }
}
