package dev.lethe.unlearn.objective;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.ops.Elementwise;
import dev.lethe.engine.ops.Reductions;
import java.util.function.DoubleUnaryOperator;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The building blocks objectives share, named by their reductions: the batch NLL as a mean over all scored tokens,
 * sequence log-probabilities as sums over scored tokens, per-token weights as constants, and -(2/beta) log sigmoid.
 */
public final class Terms {
    private Terms() {
    }

    /** NLL_batch: mean of -log p over every scored token of the batch (Hugging Face's default loss). */
    public static Tensor meanOverTokensNll(Tape tape, ModelScores s) {
        if (s.scoredCount() == 0) {
            throw new IllegalArgumentException("batch has no scored tokens (every label is -100)");
        }
        return Elementwise.mulScalar(tape, Reductions.sumAll(tape, s.tokenLogProbs()), -1.0 / s.scoredCount());
    }

    /** log pi(y|x) per sequence: the sum of scored token log-probabilities, shape [B]. */
    public static Tensor sumPerSequence(Tape tape, ModelScores s) {
        return Reductions.sum(tape, s.tokenLogProbs(), false, 1);
    }

    /** -(2/beta) * mean_i log sigmoid(u_i) for a [B] tensor u (the NPO/DPO family's outer form). */
    public static Tensor npoOuter(Tape tape, Tensor u, double beta) {
        return Elementwise.mulScalar(tape, Reductions.meanAll(tape, Elementwise.logSigmoid(tape, u)), -2.0 / beta);
    }

    /**
     * Token-weighted ascent, mean over scored tokens of w_t log p_theta(y_t) = -mean w_t CE_t, with the weight
     * w_t = weight(log p_t) a constant (stopgrad) of the token's own log-probability (WGA, SatImp).
     */
    public static Tensor weightedAscent(Tape tape, ModelScores s, DoubleUnaryOperator weightOfLogProb) {
        double[] lp = tokenLogProbValues(s);
        double[] w = new double[lp.length];
        for (int i = 0; i < lp.length; i++) {
            w[i] = s.scored()[i] == 0 ? 0 : weightOfLogProb.applyAsDouble(lp[i]);
        }
        Tensor weighted = Elementwise.mul(tape, s.tokenLogProbs(), tokenConstant(tape, s, w));
        return Elementwise.mulScalar(tape, Reductions.sumAll(tape, weighted), 1.0 / s.scoredCount());
    }

    /** A constant [B, T-1] tensor of per-token values in the scores' dtype. */
    public static Tensor tokenConstant(Tape tape, ModelScores s, double[] values) {
        INDArray a = tape.allocate(s.tokenLogProbs().dtype(), s.batch(), s.length() - 1);
        for (int i = 0; i < values.length; i++) {
            a.putScalar(i, values[i]);
        }
        return tape.constant(a);
    }

    /** The current token log-probabilities as a Java array (no gradient), row-major [B, T-1]. */
    public static double[] tokenLogProbValues(ModelScores s) {
        INDArray lp = s.tokenLogProbs().value();
        double[] out = new double[(int) lp.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = lp.getDouble(i);
        }
        return out;
    }
}
