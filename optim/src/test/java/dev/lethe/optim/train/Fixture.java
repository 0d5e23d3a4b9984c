package dev.lethe.optim.train;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.ParameterSet;
import dev.lethe.engine.Tensor;
import dev.lethe.optim.AdamW;
import dev.lethe.optim.LrSchedule;
import dev.lethe.optim.Rng;
import dev.lethe.optim.rule.PrimalDual;
import dev.lethe.optim.rule.RandomizedSmoothing;
import dev.lethe.optim.rule.Sam;
import dev.lethe.optim.rule.TapeOracle;
import dev.lethe.optim.rule.UpdateRule;
import dev.lethe.optim.rule.WeightAveraging;
import dev.lethe.optim.testing.Quadratic;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A small deterministic training problem for Trainer tests: θ ∈ R³, per micro-batch a centre c(epoch, index);
 * forget = ½‖θ − (a + c)‖², retain = ½‖θ − c‖²; rule WA(RS(SAM(PrimalDual))) with AdamW, cosine warm-up, clipping
 * and accumulation 2, 8 micro-batches per epoch, 3 epochs = 12 steps.
 */
final class Fixture {
    static final double[] A = {2, 1, -2};
    static final double[] INIT = {0.3, -0.2, 0.1};

    record QBatch(double[] centre) implements MicroBatch {
        @Override
        public long tokens() {
            return 16;
        }
    }

    static final class Source implements BatchSource<QBatch> {
        final double nanAt; // micro-batch index (epoch 0) whose centre is NaN, or −1

        Source(double nanAt) {
            this.nanAt = nanAt;
        }

        @Override
        public long batchesPerEpoch() {
            return 8;
        }

        @Override
        public QBatch batch(long epoch, long index) {
            Rng r = new Rng(epoch * 1000 + index);
            double[] c = {0.1 * r.nextGaussian(), 0.1 * r.nextGaussian(), 0.1 * r.nextGaussian()};
            if (epoch == 0 && index == nanAt) {
                c[1] = Double.NaN;
            }
            return new QBatch(c);
        }
    }

    static Tensor theta(double... x) {
        return dev.lethe.optim.testing.Vec.theta(x);
    }

    static UpdateRule rule() {
        PrimalDual pd = new PrimalDual(1.0, 0.3, 1.0, 0.5, PrimalDual.Mode.STEP, 1);
        return WeightAveraging.around(RandomizedSmoothing.around(Sam.around(pd, 0.05, "forget"), 0.01, 2, "forget"),
                3, 2);
    }

    static OracleFactory<QBatch> factory(Tensor theta) {
        BufferPool pool = new BufferPool();
        return (batch, ctx) -> {
            double[] shifted = new double[3];
            for (int i = 0; i < 3; i++) {
                shifted[i] = A[i] + batch.centre()[i];
            }
            Quadratic f = Quadratic.ball(shifted);
            Quadratic r = Quadratic.ball(batch.centre());
            Map<String, TapeOracle.TapeLoss> m = new LinkedHashMap<>();
            m.put("forget", tape -> f.loss(tape, theta));
            m.put("retain", tape -> r.loss(tape, theta));
            return new TapeOracle(List.of(theta), m, pool);
        };
    }

    static Trainer<QBatch> trainer(Tensor theta, UpdateRule rule, Source source, Path ckpt, long every,
            Consumer<Map<String, Object>> listener) {
        OracleFactory<QBatch> factory = factory(theta);
        ParameterSet params = ParameterSet.values(List.of(theta));
        return Trainer.builder(params, rule, new AdamW(0.05, 0.9, 0.95, 1e-8, 0.1), source, factory)
                .learningRate(0.05, LrSchedule.cosine(2, 12)).clipNorm(1.0).accumulation(2).epochs(3).seed(42)
                .checkpoint(ckpt, every).listener(listener).progressBar(false).build();
    }
}
