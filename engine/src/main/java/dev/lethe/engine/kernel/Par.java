package dev.lethe.engine.kernel;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Deterministic two-way splitting of kernel loops. A range [0, n) of independent items (rows, elements) is cut at a
 * fixed point, n / 2; the second half runs on one daemon worker thread while the caller runs the first. Every item is
 * computed by the same code whatever the split, so results are bit-identical with 1 or 2 threads, as long as kernels
 * split only work whose items write disjoint outputs (reductions across items stay serial or are split along the
 * other axis). Small ranges run inline. Threads: {@code -Dlethe.kernel.threads} (1 or 2; default 2 when the machine
 * has at least 2 processors).
 */
public final class Par {
    /** A piece of a range: items lo (inclusive) to hi (exclusive). */
    @FunctionalInterface
    public interface Range {
        void run(int lo, int hi);
    }

    private static final int THREADS = Math.max(1, Math.min(2, Integer.getInteger("lethe.kernel.threads",
            Runtime.getRuntime().availableProcessors())));
    private static volatile long minWork = 1L << 15;
    private static volatile Thread workerThread;
    private static final ExecutorService WORKER = THREADS > 1 ? Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "lethe-kernel-worker");
        t.setDaemon(true);
        workerThread = t;
        return t;
    }) : null;

    private Par() {
    }

    /** Number of threads kernels use (1 or 2). */
    public static int threads() {
        return THREADS;
    }

    /** Sets the least amount of work (in element operations) worth splitting; for tests that force splitting. */
    public static void setMinWork(long work) {
        minWork = Math.max(1, work);
    }

    public static long minWork() {
        return minWork;
    }

    /**
     * Runs body over [0, n), split in two at n / 2 when {@code n * workPerItem} reaches the splitting threshold.
     * Calls from the worker thread itself run inline.
     */
    public static void range(int n, long workPerItem, Range body) {
        if (n <= 0) {
            return;
        }
        if (WORKER == null || n < 2 || (long) n * Math.max(workPerItem, 1) < minWork
                || Thread.currentThread() == workerThread) {
            body.run(0, n);
            return;
        }
        int mid = n >>> 1;
        Future<?> f = WORKER.submit(() -> body.run(mid, n));
        Throwable err = null;
        try {
            body.run(0, mid);
        } catch (RuntimeException | Error e) {
            err = e;
        }
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a kernel worker", e);
        } catch (ExecutionException e) {
            if (err == null) {
                err = e.getCause();
            }
        }
        if (err instanceof RuntimeException re) {
            throw re;
        }
        if (err instanceof Error er) {
            throw er;
        }
        if (err != null) {
            throw new IllegalStateException(err);
        }
    }
}
