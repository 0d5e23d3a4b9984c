package dev.lethe.transformer.generate;

import dev.lethe.transformer.model.CausalLM;

/**
 * Contrastive decoding (Li et al., arXiv 2210.15097, sec. 3): the generating model is the expert E, a smaller model of
 * the same vocabulary the amateur A, run with its own KV cache on the same tokens. Each step's logits become
 * <pre>
 *   score(w) = log p_E(w) - tau * log p_A(w)   if p_E(w) &gt;= alpha * max_v p_E(v)  (and w in E's top-k, k &gt; 0)
 *            = -inf                            otherwise
 * </pre>
 * then greedy or sampled decoding (and any later warper) works on the scores as usual. tau is the amateur's weight
 * ("amateur temperature" in the APD code, 0.5 for Pythia-70M); tau = 0 is plain decoding inside the plausibility head.
 * The processor holds one generate call's amateur cache: make a new one per request (see {@link CompanionModel}).
 */
public final class ContrastiveDecoding implements LogitsProcessor {
    private final CompanionModel amateur;
    private final double alpha;
    private final double tau;
    private final int topK;

    /**
     * @param amateur the small model (same vocabulary as the generating model)
     * @param alpha   plausibility threshold in (0, 1] (0.1 in the CD paper)
     * @param tau     weight of the amateur's log-probability (&gt;= 0; 1 = the paper's basic score)
     * @param topK    also keep only the expert's k most likely tokens (0 = off)
     */
    public ContrastiveDecoding(CausalLM amateur, double alpha, double tau, int topK) {
        checkAlpha(alpha);
        if (!(tau >= 0) || Double.isInfinite(tau)) {
            throw new IllegalArgumentException("amateur temperature must be a finite number >= 0, got " + tau);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("CD top-k must be >= 0 (0 = off), got " + topK);
        }
        this.amateur = new CompanionModel(amateur, "amateur");
        this.alpha = alpha;
        this.tau = tau;
        this.topK = topK;
    }

    /** A processor for {@code expert}, after checking that the amateur shares its vocabulary. */
    public static ContrastiveDecoding of(CausalLM expert, CausalLM amateur, double alpha, double tau, int topK) {
        ContrastiveDecoding cd = new ContrastiveDecoding(amateur, alpha, tau, topK);
        CompanionModel.requireSameVocabulary(expert, amateur, "amateur");
        return cd;
    }

    static void checkAlpha(double alpha) {
        if (!(alpha > 0 && alpha <= 1)) {
            throw new IllegalArgumentException("CD plausibility alpha must be in (0, 1] (0.1 in the CD paper), got "
                    + alpha);
        }
    }

    @Override
    public void process(DecodingStep step, double[][] logits) {
        double[][] amateurLogProbs = amateur.nextLogProbs(step, logits[0].length);
        for (int i = 0; i < logits.length; i++) {
            logits[i] = scores(logits[i], amateurLogProbs[i], alpha, tau, topK);
        }
    }

    /** The CD scores of one row from the expert's logits and the amateur's log-probabilities. */
    public static double[] scores(double[] expertLogits, double[] amateurLogProbs, double alpha, double tau, int topK) {
        checkAlpha(alpha);
        double[] logPe = Sampling.logSoftmax(expertLogits);
        double[] kept = logPe.clone();
        if (topK > 0) {
            new TopK(topK).process(null, new double[][] {kept});
        }
        double maxLogPe = Double.NEGATIVE_INFINITY;
        for (double l : logPe) {
            maxLogPe = Math.max(maxLogPe, l);
        }
        double head = Math.log(alpha) + maxLogPe; // p_E >= alpha * max p_E, in log space
        double[] out = new double[logPe.length];
        for (int w = 0; w < out.length; w++) {
            boolean inHead = logPe[w] >= head && kept[w] != Double.NEGATIVE_INFINITY;
            out[w] = inHead ? logPe[w] - tau * amateurLogProbs[w] : Double.NEGATIVE_INFINITY;
        }
        return out;
    }
}
