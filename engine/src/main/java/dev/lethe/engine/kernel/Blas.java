package dev.lethe.engine.kernel;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Matrix products on the CPU backend straight through OpenBLAS's {@code cblas_?gemm} / {@code cblas_?gemv} (the
 * library ND4J's own {@code Nd4j.gemm} ends in), reading the arrays' memory in place. Measured on the 2-core bench
 * machine, quiet: {@code Nd4j.gemm} spends 100-200 us per call outside BLAS (argument checks, view handling), which is
 * 2-3x the whole product for attention's per-head 256x64x256 GEMMs (260 us vs 81 us), and it runs 1-row products
 * (KV-cache decoding) as GEMM instead of GEMV. Results are identical: the same OpenBLAS kernels run.
 *
 * <p>An operand is used in place when it is a 2-D float32/float64 array whose rows or columns are contiguous (a
 * column-contiguous operand is passed as the transpose of a row-major one); the output must be row-contiguous.
 * Anything else, and every non-CPU backend (CUDA), goes through {@code Nd4j.gemm}. {@code -Dlethe.blas=nd4j} forces
 * the {@code Nd4j.gemm} path everywhere (for comparisons).
 */
public final class Blas {
    private static final boolean DIRECT = detect();

    private Blas() {
    }

    /** True when products go straight to OpenBLAS (CPU backend, not switched off). */
    public static boolean direct() {
        return DIRECT;
    }

    private static boolean detect() {
        if ("nd4j".equals(System.getProperty("lethe.blas"))) {
            return false;
        }
        String backend = Nd4j.getBackend().getClass().getName();
        if (!backend.contains("Cpu")) {
            return false;
        }
        try {
            Class.forName("org.bytedeco.openblas.global.openblas_nolapack");
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * Runs {@code body} with BLAS limited to one thread when {@code when} holds (the CPU backend only), restoring the
     * previous count when the last such section ends: for kernels that split many small products over their own
     * threads, where BLAS's threads would only add synchronisation (and oversubscribe the cores). BLAS's thread count
     * is process-wide, so sections from several caller threads are counted and only the first saves and the last
     * restores it (products elsewhere meanwhile run single-threaded: slower, never wrong).
     */
    public static void singleThreadedIf(boolean when, Runnable body) {
        if (!when || !DIRECT) {
            body.run();
            return;
        }
        enterSingleThreaded();
        try {
            body.run();
        } finally {
            leaveSingleThreaded();
        }
    }

    private static int singleThreadedSections;
    private static int threadsBefore;

    private static synchronized void enterSingleThreaded() {
        if (singleThreadedSections++ == 0) {
            org.nd4j.linalg.api.blas.Blas blas = Nd4j.factory().blas();
            threadsBefore = blas.getMaxThreads();
            blas.setMaxThreads(1);
        }
    }

    private static synchronized void leaveSingleThreaded() {
        if (--singleThreadedSections == 0) {
            Nd4j.factory().blas().setMaxThreads(threadsBefore);
        }
    }

    /** {@code c = alpha op(a) op(b) + beta c} for 2-D arrays of one floating dtype. */
    public static void gemm(INDArray a, INDArray b, INDArray c, boolean transA, boolean transB, double alpha,
            double beta) {
        if (!DIRECT || !fits(a, b, c)) {
            Nd4j.gemm(a, b, c, transA, transB, alpha, beta);
            return;
        }
        // a row-major [r, s] operand with leading dimension ld; a column-contiguous one is the transpose of such
        boolean aCols = a.stride(1) != 1 || a.size(1) == 1 && a.stride(0) == 1 && a.size(0) > 1;
        boolean bCols = b.stride(1) != 1 || b.size(1) == 1 && b.stride(0) == 1 && b.size(0) > 1;
        boolean ta = transA ^ aCols;
        boolean tb = transB ^ bCols;
        int m = (int) c.size(0);
        int n = (int) c.size(1);
        int k = (int) (transA ? a.size(0) : a.size(1));
        int lda = leading(a, aCols);
        int ldb = leading(b, bCols);
        int ldc = (int) Math.max(c.stride(0), Math.max(1, n));
        if (c.size(0) == 1) {
            ldc = Math.max(1, n);
        }
        int opA = ta ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
        int opB = tb ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
        int row = openblas_nolapack.CblasRowMajor;
        if (c.dataType() == DataType.FLOAT) {
            FloatPointer pa = floats(a);
            FloatPointer pb = floats(b);
            FloatPointer pc = floats(c);
            if (m == 1 && ldc >= n) {
                // one output row: y^T = alpha x^T op(B) + beta y^T, i.e. y = alpha op(B)^T x + beta y (GEMV)
                int incx = incOfRow(a, transA);
                if (incx > 0) {
                    openblas_nolapack.cblas_sgemv(row, tb ? openblas_nolapack.CblasNoTrans : openblas_nolapack.CblasTrans,
                            tb ? n : k, tb ? k : n, (float) alpha, pb, ldb, pa, incx, (float) beta, pc, 1);
                    return;
                }
            }
            openblas_nolapack.cblas_sgemm(row, opA, opB, m, n, k, (float) alpha, pa, lda, pb, ldb, (float) beta, pc,
                    ldc);
        } else {
            DoublePointer pa = doubles(a);
            DoublePointer pb = doubles(b);
            DoublePointer pc = doubles(c);
            openblas_nolapack.cblas_dgemm(row, opA, opB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
        }
    }

    /**
     * The same product on sub-matrices of row-major contiguous arrays, without creating views: op(A) is m x k, A starts
     * {@code aOff} elements into {@code a} with leading dimension {@code lda} (likewise B and C). Used by per-head
     * attention, whose 3 view creations per product cost about as much as the product itself.
     */
    public static void gemm(INDArray a, long aOff, int lda, boolean transA, INDArray b, long bOff, int ldb,
            boolean transB, INDArray c, long cOff, int ldc, int m, int n, int k, double alpha, double beta) {
        DataType dt = c.dataType();
        if (!DIRECT || a.dataType() != dt || b.dataType() != dt || dt != DataType.FLOAT && dt != DataType.DOUBLE) {
            INDArray av = window(a, aOff, transA ? k : m, transA ? m : k, lda);
            INDArray bv = window(b, bOff, transB ? n : k, transB ? k : n, ldb);
            INDArray cv = window(c, cOff, m, n, ldc);
            Nd4j.gemm(av, bv, cv, transA, transB, alpha, beta);
            return;
        }
        int opA = transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
        int opB = transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
        int row = openblas_nolapack.CblasRowMajor;
        if (dt == DataType.FLOAT) {
            openblas_nolapack.cblas_sgemm(row, opA, opB, m, n, k, (float) alpha,
                    new FloatPointer(a.data().addressPointer()).position(first(a) + aOff), lda,
                    new FloatPointer(b.data().addressPointer()).position(first(b) + bOff), ldb, (float) beta,
                    new FloatPointer(c.data().addressPointer()).position(first(c) + cOff), ldc);
        } else {
            openblas_nolapack.cblas_dgemm(row, opA, opB, m, n, k, alpha,
                    new DoublePointer(a.data().addressPointer()).position(first(a) + aOff), lda,
                    new DoublePointer(b.data().addressPointer()).position(first(b) + bOff), ldb, beta,
                    new DoublePointer(c.data().addressPointer()).position(first(c) + cOff), ldc);
        }
    }

    /**
     * {@code y = alpha op(A) x + beta y} on sub-arrays addressed by offsets, as {@link #gemm(INDArray, long, int,
     * boolean, INDArray, long, int, boolean, INDArray, long, int, int, int, int, double, double) gemm} addresses them:
     * A is m x n row-major from {@code aOff} with rows {@code lda} apart, x and y contiguous (n and m long, or m and n
     * with {@code transA}). One output row of a product runs through GEMV, without GEMM's packing: KV-cache decoding's
     * per-head scores and weighted sums.
     */
    public static void gemv(INDArray a, long aOff, int lda, boolean transA, INDArray x, long xOff, INDArray y,
            long yOff, int m, int n, double alpha, double beta) {
        DataType dt = y.dataType();
        int in = transA ? m : n;
        int out = transA ? n : m;
        if (!DIRECT || a.dataType() != dt || x.dataType() != dt || dt != DataType.FLOAT && dt != DataType.DOUBLE) {
            // y^T = x^T op(A)^T as a one-row product
            gemm(x, xOff, in, false, a, aOff, lda, !transA, y, yOff, out, 1, out, in, alpha, beta);
            return;
        }
        int op = transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
        int row = openblas_nolapack.CblasRowMajor;
        if (dt == DataType.FLOAT) {
            openblas_nolapack.cblas_sgemv(row, op, m, n, (float) alpha,
                    new FloatPointer(a.data().addressPointer()).position(first(a) + aOff), lda,
                    new FloatPointer(x.data().addressPointer()).position(first(x) + xOff), 1, (float) beta,
                    new FloatPointer(y.data().addressPointer()).position(first(y) + yOff), 1);
        } else {
            openblas_nolapack.cblas_dgemv(row, op, m, n, alpha,
                    new DoublePointer(a.data().addressPointer()).position(first(a) + aOff), lda,
                    new DoublePointer(x.data().addressPointer()).position(first(x) + xOff), 1, beta,
                    new DoublePointer(y.data().addressPointer()).position(first(y) + yOff), 1);
        }
    }

    /** A rows x cols row-major view of x's memory from {@code off} elements on, rows {@code ld} apart. */
    private static INDArray window(INDArray x, long off, int rows, int cols, int ld) {
        return Nd4j.create(x.data(), new long[] {rows, cols}, new long[] {ld, 1}, x.offset() + off, 'c',
                x.dataType());
    }

    /** All three 2-D, one dtype (float32 or float64), operands row- or column-contiguous, output row-contiguous. */
    private static boolean fits(INDArray a, INDArray b, INDArray c) {
        DataType dt = c.dataType();
        if (dt != DataType.FLOAT && dt != DataType.DOUBLE || a.dataType() != dt || b.dataType() != dt) {
            return false;
        }
        if (a.rank() != 2 || b.rank() != 2 || c.rank() != 2 || a.length() == 0 || b.length() == 0
                || c.length() == 0) {
            return false;
        }
        if (a.length() > Integer.MAX_VALUE || b.length() > Integer.MAX_VALUE || c.length() > Integer.MAX_VALUE) {
            return false;
        }
        return contiguous(a) && contiguous(b) && (c.stride(1) == 1 || c.size(1) == 1)
                && (c.size(0) == 1 || c.stride(0) >= c.size(1));
    }

    private static boolean contiguous(INDArray x) {
        long r = x.size(0);
        long s = x.size(1);
        boolean rows = (x.stride(1) == 1 || s == 1) && (r == 1 || x.stride(0) >= s);
        boolean cols = (x.stride(0) == 1 || r == 1) && (s == 1 || x.stride(1) >= r);
        return rows || cols;
    }

    /** The leading dimension of x seen as row-major (or, when cols, as the row-major transpose). */
    private static int leading(INDArray x, boolean cols) {
        if (cols) {
            return (int) Math.max(x.size(1) == 1 ? x.size(0) : x.stride(1), Math.max(1, x.size(0)));
        }
        return (int) Math.max(x.size(0) == 1 ? x.size(1) : x.stride(0), Math.max(1, x.size(1)));
    }

    /** The element step along the single row of op(a) when op(a) has one row, or -1 when it is not constant. */
    private static int incOfRow(INDArray a, boolean transA) {
        long len = transA ? a.size(0) : a.size(1);
        if (len == 1) {
            return 1;
        }
        long inc = transA ? a.stride(0) : a.stride(1);
        return inc > 0 && inc <= Integer.MAX_VALUE ? (int) inc : -1;
    }

    private static FloatPointer floats(INDArray x) {
        return new FloatPointer(x.data().addressPointer()).position(first(x));
    }

    private static DoublePointer doubles(INDArray x) {
        return new DoublePointer(x.data().addressPointer()).position(first(x));
    }

    /**
     * The index of x's first element from its data buffer's address (JavaCPP adds a pointer's position to its address
     * in native calls), as {@link Buf#of} computes it.
     */
    private static long first(INDArray x) {
        DataBuffer db = x.data();
        return x.offset() - db.offset();
    }
}
