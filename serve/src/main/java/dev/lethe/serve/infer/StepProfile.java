package dev.lethe.serve.infer;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where the scheduler thread's time goes, by part of a step (prefill forward, decode forward, logits copy,
 * sampling, detokenisation, stop strings and streaming, cache regrouping), in wall and thread-CPU nanoseconds, plus the
 * decode forward by batch size. Thread CPU time is what a loaded machine does not inflate (with one native thread,
 * {@code OMP_NUM_THREADS=1 -Dlethe.kernel.threads=1}, every product runs on the scheduler thread). Written by the
 * scheduler thread only; {@link #report()} may be called from any thread (a snapshot, possibly a step behind).
 */
public final class StepProfile {
    /** A part of a scheduler step. */
    public enum Part {
        PREFILL_FORWARD, DECODE_FORWARD, LOGITS_COPY, SAMPLE, DETOKENIZE, STOP_AND_STREAM, REGROUP
    }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private final Map<Part, long[]> parts = new EnumMap<>(Part.class);
    private final Map<Integer, long[]> decodeByBatch = new TreeMap<>();
    private long wall0;
    private long cpu0;

    /** Starts timing a part on the calling thread. */
    void start() {
        wall0 = System.nanoTime();
        cpu0 = THREADS.getCurrentThreadCpuTime();
    }

    /** Ends the part started last: adds its wall and CPU time to {@code part} (and to batch size {@code rows}). */
    void stop(Part part, int rows) {
        long wall = System.nanoTime() - wall0;
        long cpu = THREADS.getCurrentThreadCpuTime() - cpu0;
        synchronized (this) {
            add(parts.computeIfAbsent(part, p -> new long[3]), wall, cpu);
            if (part == Part.DECODE_FORWARD) {
                add(decodeByBatch.computeIfAbsent(rows, r -> new long[3]), wall, cpu);
            }
        }
    }

    private static void add(long[] acc, long wall, long cpu) {
        acc[0] += wall;
        acc[1] += cpu;
        acc[2]++;
    }

    /** Number of timed runs of {@code part} since the last {@link #reset}. */
    public synchronized long calls(Part part) {
        long[] a = parts.get(part);
        return a == null ? 0 : a[2];
    }

    /** Forgets every measurement. */
    public synchronized void reset() {
        parts.clear();
        decodeByBatch.clear();
    }

    /**
     * A table of the parts (total wall and CPU seconds, share of the summed CPU time, calls) and of the decode
     * forward per batch size (mean wall and CPU milliseconds per step).
     */
    public synchronized String report() {
        long cpuSum = parts.values().stream().mapToLong(a -> a[1]).sum();
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-16s %9s %9s %7s %8s%n", "part", "wall s",
                "cpu s", "cpu %", "calls"));
        parts.forEach((p, a) -> sb.append(String.format(Locale.ROOT, "%-16s %9.3f %9.3f %6.1f%% %8d%n",
                p.name().toLowerCase(Locale.ROOT), a[0] / 1e9, a[1] / 1e9, 100.0 * a[1] / Math.max(1, cpuSum), a[2])));
        sb.append(String.format(Locale.ROOT, "%-16s %9s %9s %8s%n", "decode rows", "wall ms", "cpu ms", "steps"));
        decodeByBatch.forEach((rows, a) -> sb.append(String.format(Locale.ROOT, "%-16d %9.2f %9.2f %8d%n", rows,
                a[0] / 1e6 / a[2], a[1] / 1e6 / a[2], a[2])));
        return sb.toString();
    }
}
