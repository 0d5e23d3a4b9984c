package dev.lethe.engine.kernel;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Opt-in GEMM accounting for profiles: every matrix product of the engine's ops goes through {@link #gemm}, which
 * calls {@link Blas#gemm} and, while profiling is {@linkplain #enable enabled}, adds the call's wall time and its
 * 2*m*n*k flops to process-wide counters. Disabled (the default), it costs one volatile read per GEMM. Counters are
 * meant for single-threaded callers (the engine issues GEMMs from the calling thread only).
 */
public final class Profile {
    private static volatile boolean enabled;
    private static long gemmNanos;
    private static long gemmFlops;
    private static long gemmCalls;
    private static final java.util.Map<String, long[]> BY_SHAPE = new java.util.TreeMap<>();

    private Profile() {
    }

    public static void enable(boolean on) {
        enabled = on;
    }

    public static boolean enabled() {
        return enabled;
    }

    public static synchronized void reset() {
        gemmNanos = 0;
        gemmFlops = 0;
        gemmCalls = 0;
        BY_SHAPE.clear();
    }

    /**
     * Time, flops and calls per GEMM shape since the last {@link #reset}, keyed {@code "m x n x k [tA][tB]"} (values:
     * nanoseconds, flops, calls).
     */
    public static synchronized java.util.Map<String, long[]> byShape() {
        java.util.Map<String, long[]> copy = new java.util.TreeMap<>();
        BY_SHAPE.forEach((k, v) -> copy.put(k, v.clone()));
        return copy;
    }

    private static synchronized void count(long dt, long m, long n, long k, boolean transA, boolean transB) {
        long flops = 2L * m * n * k;
        gemmNanos += dt;
        gemmFlops += flops;
        gemmCalls++;
        long[] e = BY_SHAPE.computeIfAbsent(m + " x " + n + " x " + k + (transA ? " tA" : "") + (transB ? " tB" : ""),
                key -> new long[3]);
        e[0] += dt;
        e[1] += flops;
        e[2]++;
    }

    public static synchronized long gemmNanos() {
        return gemmNanos;
    }

    public static synchronized long gemmFlops() {
        return gemmFlops;
    }

    public static synchronized long gemmCalls() {
        return gemmCalls;
    }

    /** {@code c = alpha op(a) op(b) + beta c} through {@link Blas#gemm}, timed while profiling. */
    public static void gemm(INDArray a, INDArray b, INDArray c, boolean transA, boolean transB, double alpha,
            double beta) {
        if (!enabled) {
            Blas.gemm(a, b, c, transA, transB, alpha, beta);
            return;
        }
        long t0 = System.nanoTime();
        Blas.gemm(a, b, c, transA, transB, alpha, beta);
        long dt = System.nanoTime() - t0;
        count(dt, c.size(0), c.size(1), transA ? a.size(0) : a.size(1), transA, transB);
    }

    /** The view-free form of {@link Blas#gemm(INDArray, long, int, boolean, INDArray, long, int, boolean, INDArray,
     * long, int, int, int, int, double, double)}, timed while profiling. */
    public static void gemm(INDArray a, long aOff, int lda, boolean transA, INDArray b, long bOff, int ldb,
            boolean transB, INDArray c, long cOff, int ldc, int m, int n, int k, double alpha, double beta) {
        if (!enabled) {
            Blas.gemm(a, aOff, lda, transA, b, bOff, ldb, transB, c, cOff, ldc, m, n, k, alpha, beta);
            return;
        }
        long t0 = System.nanoTime();
        Blas.gemm(a, aOff, lda, transA, b, bOff, ldb, transB, c, cOff, ldc, m, n, k, alpha, beta);
        count(System.nanoTime() - t0, m, n, k, transA, transB);
    }
}
