package dev.lethe.examples.bench;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.unlearn.data.Batch;
import dev.lethe.unlearn.objective.CrossEntropyUnlearning;
import dev.lethe.unlearn.objective.Distillation;
import dev.lethe.unlearn.objective.KlToReference;
import dev.lethe.unlearn.objective.LossContext;
import dev.lethe.unlearn.objective.ModelScores;
import dev.lethe.unlearn.objective.Objective;
import dev.lethe.unlearn.objective.Undial;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Memory and time of the distribution-matching objectives (UNDIAL, CE-U, KL to the reference, distillation) on their
 * own: loss and backward from given float32 logits [B, T, V], no model. Prints, per objective, the bytes its tape takes
 * from the {@link BufferPool} in one step (the first; later steps reuse them) and the median milliseconds of a step.
 * Run (after {@code mvn -pl examples -am install}): {@code java -cp "$(cat examples/target/lethe.classpath):examples/target/classes"
 * dev.lethe.examples.bench.ObjectiveBench [B T V [steps]]} (default 2 256 32000 7).
 */
public final class ObjectiveBench {
    private ObjectiveBench() {
    }

    public static void main(String[] args) {
        int b = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int t = args.length > 1 ? Integer.parseInt(args[1]) : 256;
        int v = args.length > 2 ? Integer.parseInt(args[2]) : 32000;
        int steps = args.length > 3 ? Integer.parseInt(args[3]) : 7;
        Random rnd = new Random(7);
        INDArray z = Nd4j.rand(DataType.FLOAT, b, t, v).subi(0.5).muli(8);
        INDArray zRef = z.mul(0.98).addi(Nd4j.rand(DataType.FLOAT, b, t, v).subi(0.5));
        int[] ids = new int[b * t];
        int[] mask = new int[b * t];
        int[] labels = new int[b * t];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rnd.nextInt(v);
            mask[i] = 1;
            labels[i] = i % t < t / 4 ? Batch.IGNORE : ids[i];
        }
        Batch batch = new Batch(ids, mask, labels, b, t);
        System.out.printf(Locale.ROOT, "objective bench: logits [%d, %d, %d] float32 (%.1f MiB each), %d steps%n", b, t,
                v, z.length() * 4 / 1048576.0, steps);
        for (Objective o : List.of(new Undial(10.0), new CrossEntropyUnlearning(), new KlToReference("forget"),
                new Distillation("forget", 2.0, 0.1))) {
            Tensor logits = Tensor.parameter(z);
            BufferPool pool = new BufferPool();
            long bytes = 0;
            double[] ms = new double[steps];
            for (int step = 0; step < steps; step++) {
                try (Tape tape = Tape.recording(pool)) {
                    ModelScores s = LossContext.scores(tape, logits, List.of(), batch);
                    ModelScores r = LossContext.scores(tape, tape.constant(zRef), List.of(), batch);
                    long before = pool.allocatedBytes();
                    long t0 = System.nanoTime();
                    LossContext ctx = LossContext.ofScores(tape, Map.of("forget", batch), Map.of("forget", s),
                            Map.of("forget", r));
                    tape.backward(o.loss(ctx));
                    ms[step] = (System.nanoTime() - t0) / 1e6;
                    if (step == 0) {
                        bytes = pool.allocatedBytes() - before;
                    }
                }
            }
            double[] sorted = Arrays.copyOfRange(ms, 1, steps);
            Arrays.sort(sorted);
            System.out.printf(Locale.ROOT, "%-14s tape %8.1f MiB  step %8.1f ms (median of %d after the first)%n",
                    o.name(), bytes / 1048576.0, sorted[sorted.length / 2], sorted.length);
        }
    }
}
