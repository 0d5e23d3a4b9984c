package dev.lethe.engine.kernel;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Opt-in GEMM accounting for profiles: every matrix product of the engine's ops goes through {@link #gemm}, which
 * calls {@code Nd4j.gemm} and, while profiling is {@linkplain #enable enabled}, adds the call's wall time and its
 * 2*m*n*k flops to process-wide counters. Disabled (the default), it costs one volatile read per GEMM. Counters are
 * meant for single-threaded callers (the engine issues GEMMs from the calling thread only).
 */
public final class Profile {
    private static volatile boolean enabled;
    private static long gemmNanos;
    private static long gemmFlops;
    private static long gemmCalls;

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

    /** {@code c = alpha op(a) op(b) + beta c} through {@code Nd4j.gemm}, timed while profiling. */
    public static void gemm(INDArray a, INDArray b, INDArray c, boolean transA, boolean transB, double alpha,
            double beta) {
        if (!enabled) {
            Nd4j.gemm(a, b, c, transA, transB, alpha, beta);
            return;
        }
        long t0 = System.nanoTime();
        Nd4j.gemm(a, b, c, transA, transB, alpha, beta);
        long dt = System.nanoTime() - t0;
        long k = transA ? a.size(0) : a.size(1);
        synchronized (Profile.class) {
            gemmNanos += dt;
            gemmFlops += 2L * c.size(0) * c.size(1) * k;
            gemmCalls++;
        }
    }
}
