package dev.lethe.engine.block;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.engine.GradCheck;
import dev.lethe.engine.Tape;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class TinyCausalLmTest {
    private static final int[] IDS = {3, 7, 1, 9, 4, 2, 0, 0, 5, 5, 8, 6, 2, 1, 3, 7};
    private static final int[] MASK = {1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1};

    @Test
    void twoLayerBlockPassesFiniteDifferencesEndToEnd() {
        TinyCausalLm lm = new TinyCausalLm(DataType.DOUBLE, 11, 8, 4, 2, 12, 2, 5);
        INDArray[] cs = lm.rope(DataType.DOUBLE, 8);
        GradCheck.Result res = GradCheck.check((t, in) -> lm.loss(t, IDS, MASK, 2, 8, cs), lm.params);
        assertThat(res.perInput()).hasSize(lm.params.size());
        assertThat(res.maxRelativeError()).as("per parameter %s", res.perInput()).isLessThan(1e-6);
    }

    @Test
    void float32LossAgreesWithFloat64() {
        TinyCausalLm lm64 = new TinyCausalLm(DataType.DOUBLE, 11, 8, 4, 2, 12, 2, 5);
        TinyCausalLm lm32 = new TinyCausalLm(DataType.FLOAT, 11, 8, 4, 2, 12, 2, 5);
        double l64;
        double l32;
        try (Tape t = Tape.inference()) {
            l64 = lm64.loss(t, IDS, MASK, 2, 8, lm64.rope(DataType.DOUBLE, 8)).item();
        }
        try (Tape t = Tape.inference()) {
            l32 = lm32.loss(t, IDS, MASK, 2, 8, lm32.rope(DataType.FLOAT, 8)).item();
        }
        assertThat(Math.abs(l32 - l64) / l64).isLessThan(1e-5);
    }

    /**
     * 2,000 forward + backward passes with one pool, in a child JVM with a small fixed heap, touched in full at start-up
     * ({@code -XX:+AlwaysPreTouch}), so heap growth cannot hide or fake an off-heap trend (without it, the young
     * generation reaching fresh heap pages step after step read as up to 43 MB of growth): after warm-up the pool
     * allocates nothing and resident memory stays flat. ND4J frees
     * off-heap memory only on GC, so a per-op allocation would grow it by megabytes per step. The bound (32 MB over
     * 1,400 steps, i.e. < 24 KB a step) leaves room for JIT and allocator noise on a busy machine (quiet runs grow
     * 3-8 MB; one under heavy load grew 17 MB); the pool's allocation count must not change at all.
     */
    @Test
    void longTrainingLoopKeepsMemoryFlat() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xms192m", "-Xmx192m", "-XX:+AlwaysPreTouch", "-cp", System.getProperty("java.class.path"),
                BlockLoop.class.getName(), "2000", "200").redirectErrorStream(true).start();
        List<long[]> rows = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("step ")) {
                    String[] f = line.split(" ");
                    rows.add(new long[] {Long.parseLong(f[1]), Long.parseLong(f[3]), Long.parseLong(f[9])});
                    System.out.println(line);
                }
            }
        }
        assertThat(p.waitFor()).isZero();
        assertThat(rows).hasSize(10);
        long[] first = rows.get(2); // step 600: JIT and native caches have warmed up by then
        long[] last = rows.get(rows.size() - 1);
        System.out.printf("RSS at step %d: %.1f MB, at step %d: %.1f MB%n", first[0], first[1] / 1e6, last[0],
                last[1] / 1e6);
        assertThat(last[2]).as("pool allocations after warm-up").isEqualTo(first[2]);
        assertThat(last[1] - first[1]).as("RSS growth over 1,400 steps").isLessThan(32L << 20);
    }
}
