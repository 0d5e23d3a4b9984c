package dev.lethe.unlearn.apd;

import dev.lethe.engine.Tensor;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Step (1) of APD: the top-k probability curves of a model family at a set of positions. For each position the
 * largest model's k most likely tokens are taken; every model's probabilities over those k tokens are renormalised;
 * a token whose renormalised probability is larger under the largest model than under the smallest is reversed
 * (p -> 1 - p) so that every curve decays with size. Sizes enter as s = ln(params / params of the smallest).
 */
public final class ApdCurves {
    private ApdCurves() {
    }

    /**
     * @param logits [models][P][V] next-token logits of each model (smallest first, largest last) at P positions
     * @param params parameter count of each model, increasing
     * @param k      tokens per position
     */
    public static ApdBatch build(double[][][] logits, long[] params, int k, DataType dtype) {
        int models = logits.length;
        if (models < 3 || params.length != models) {
            throw new IllegalArgumentException("APD needs a family of at least 3 models with one size each, got "
                    + models + " models and " + params.length + " sizes");
        }
        for (int m = 1; m < models; m++) {
            if (params[m] <= params[m - 1]) {
                throw new IllegalArgumentException("APD family sizes must increase (smallest first): "
                        + Arrays.toString(params));
            }
        }
        int positions = logits[0].length;
        int vocab = logits[0][0].length;
        if (k < 2 || k > vocab) {
            throw new IllegalArgumentException("APD top-k must be in [2, vocab " + vocab + "], got " + k);
        }
        int n = positions * k;
        double[] curves = new double[n * models];
        double[] reversed = new double[n];
        double[] llm = new double[n];
        double[] smallest = new double[n];
        int[] ids = new int[n];
        for (int p = 0; p < positions; p++) {
            double[] big = logits[models - 1][p];
            int[] top = IntStream.range(0, vocab).boxed()
                    .sorted(Comparator.comparingDouble((Integer j) -> -big[j])).limit(k)
                    .mapToInt(Integer::intValue).toArray();
            double[][] prob = new double[models][];
            for (int m = 0; m < models; m++) {
                prob[m] = renormalised(logits[m][p], top);
            }
            for (int j = 0; j < k; j++) {
                int r = p * k + j;
                ids[r] = top[j];
                llm[r] = big[top[j]];
                smallest[r] = logits[0][p][top[j]];
                boolean rev = prob[models - 1][j] > prob[0][j];
                reversed[r] = rev ? 1 : 0;
                for (int m = 0; m < models; m++) {
                    curves[r * models + m] = rev ? 1 - prob[m][j] : prob[m][j];
                }
            }
        }
        double[] sizes = new double[models];
        double[] oneMinusTwoR = new double[n];
        for (int m = 0; m < models; m++) {
            sizes[m] = Math.log((double) params[m] / params[0]);
        }
        for (int r = 0; r < n; r++) {
            oneMinusTwoR[r] = 1 - 2 * reversed[r];
        }
        return new ApdBatch(Tensor.constant(dtype, curves, n, models), Tensor.constant(dtype, reversed, n, 1),
                Tensor.constant(dtype, oneMinusTwoR, n, 1), Tensor.constant(dtype, llm, positions, k),
                Tensor.constant(dtype, smallest, positions, k), Tensor.constant(dtype, sizes, 1, models), ids);
    }

    /** softmax of the logits restricted to {@code top}. */
    static double[] renormalised(double[] logits, int[] top) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j : top) {
            max = Math.max(max, logits[j]);
        }
        double[] p = new double[top.length];
        double sum = 0;
        for (int i = 0; i < top.length; i++) {
            p[i] = Math.exp(logits[top[i]] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }
}
