package dev.lethe.transformer.generate;

import java.util.SplittableRandom;

/**
 * T3's guidance head (arXiv 2602.10217; algorithms.md 5.15.4) with open-unlearning's defaults (one hidden layer,
 * identity activation, no bias): c = W_out · (W_in · h̄) ∈ R^V, W_in [H, D], W_out [V, H], row-major double arrays.
 */
public record GuidanceHead(int hidden, int dim, int vocab, double[] wIn, double[] wOut) {
    public GuidanceHead {
        if (wIn.length != hidden * dim || wOut.length != vocab * hidden) {
            throw new IllegalArgumentException("guidance head weights do not match H=" + hidden + ", D=" + dim + ", V="
                    + vocab);
        }
    }

    /** PyTorch's nn.Linear initialisation: U(−1/√fan_in, 1/√fan_in), seeded. */
    public static GuidanceHead init(int hidden, int dim, int vocab, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] wIn = new double[hidden * dim];
        double[] wOut = new double[vocab * hidden];
        for (int i = 0; i < wIn.length; i++) {
            wIn[i] = (2 * r.nextDouble() - 1) / Math.sqrt(dim);
        }
        for (int i = 0; i < wOut.length; i++) {
            wOut[i] = (2 * r.nextDouble() - 1) / Math.sqrt(hidden);
        }
        return new GuidanceHead(hidden, dim, vocab, wIn, wOut);
    }

    /** u = W_in · h̄ ∈ R^H. */
    public double[] project(double[] hbar) {
        double[] u = new double[hidden];
        for (int k = 0; k < hidden; k++) {
            double s = 0;
            for (int j = 0; j < dim; j++) {
                s += wIn[k * dim + j] * hbar[j];
            }
            u[k] = s;
        }
        return u;
    }

    /** c = W_out · W_in · h̄ ∈ R^V. */
    public double[] scores(double[] hbar) {
        double[] u = project(hbar);
        double[] c = new double[vocab];
        for (int v = 0; v < vocab; v++) {
            double s = 0;
            for (int k = 0; k < hidden; k++) {
                s += wOut[v * hidden + k] * u[k];
            }
            c[v] = s;
        }
        return c;
    }
}
