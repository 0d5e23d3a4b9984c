package dev.lethe.engine.block;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runs forward + backward of {@link TinyCausalLm} in a loop with one buffer pool and prints, every {@code every}
 * steps, one line "step S rss R heap H ms M pool P" (resident bytes, used heap bytes, mean ms per step since the last
 * line, pool allocations). Used by the memory test in a child JVM with a small fixed heap, and by hand for timing.
 * Args: steps every [dim seq batch].
 */
public final class BlockLoop {
    private BlockLoop() {
    }

    public static void main(String[] args) {
        int steps = Integer.parseInt(args[0]);
        int every = Integer.parseInt(args[1]);
        int dim = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        int seq = args.length > 3 ? Integer.parseInt(args[3]) : 8;
        int batch = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        TinyCausalLm lm = new TinyCausalLm(DataType.FLOAT, 64, dim, 4, 2, 2 * dim, 2, 9);
        INDArray[] cs = lm.rope(DataType.FLOAT, seq);
        int[] ids = new int[batch * seq];
        int[] mask = new int[batch * seq];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (i * 7) % 64;
            mask[i] = 1;
        }
        BufferPool pool = new BufferPool();
        long t0 = System.nanoTime();
        for (int s = 1; s <= steps; s++) {
            try (Tape tape = Tape.recording(pool)) {
                Tensor loss = lm.loss(tape, ids, mask, batch, seq, cs);
                tape.backward(loss);
            }
            for (Tensor p : lm.params) {
                p.zeroGrad();
            }
            if (s % every == 0) {
                Runtime rt = Runtime.getRuntime();
                System.out.printf("step %d rss %d heap %d ms %.3f pool %d%n", s, Pointer.physicalBytes(),
                        rt.totalMemory() - rt.freeMemory(), (System.nanoTime() - t0) / 1e6 / every, pool.allocations());
                t0 = System.nanoTime();
            }
        }
    }
}
