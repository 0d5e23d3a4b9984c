package dev.lethe.unlearn.edit;

import org.apache.commons.math3.linear.DecompositionSolver;
import org.apache.commons.math3.linear.LUDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.RealVector;
import org.apache.commons.math3.linear.SingularMatrixException;

/**
 * float64 solves of A x = b by LU with partial pivoting (Commons Math), with a clear error when A is singular: a pivot
 * below 1e-12 of A's largest entry.
 */
final class LinearSolve {
    private LinearSolve() {
    }

    static RealVector solve(RealMatrix a, RealVector b, String what) {
        try {
            return solver(a, what).solve(b);
        } catch (SingularMatrixException e) {
            throw singular(what);
        }
    }

    static RealMatrix solve(RealMatrix a, RealMatrix b, String what) {
        try {
            return solver(a, what).solve(b);
        } catch (SingularMatrixException e) {
            throw singular(what);
        }
    }

    private static DecompositionSolver solver(RealMatrix a, String what) {
        double max = a.getNorm();
        DecompositionSolver s = new LUDecomposition(a, Math.max(max, Double.MIN_NORMAL) * 1e-12).getSolver();
        if (!s.isNonSingular()) {
            throw singular(what);
        }
        return s;
    }

    private static IllegalArgumentException singular(String what) {
        return new IllegalArgumentException(what + " is singular: compute the statistics from a larger --stats-corpus"
                + " (more tokens than the MLP width) or raise momentWeight");
    }
}
