package dev.lethe.transformer.generate;

import dev.lethe.transformer.model.CausalLM;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * APD decoding (asymptotic probability decoding, arXiv 2411.01610; algorithms.md sec. 7.2): the generating LLM is
 * contrasted with ALM', a small model of its family trained so that softmax(z_LLM - l') extrapolates the family's
 * probabilities to an infinitely large model. Inside the LLM's top-p nucleus intersected with its top-k,
 * <pre>
 *   score(w) = log_softmax(z_LLM)(w) - T * log_softmax(l')(w)     (-inf outside)
 * </pre>
 * which for T = 1 is the asymptote c(w) = softmax(z_LLM - l') over the kept set, up to a constant. Defaults of the
 * paper's example: p = 0.6, k = 20, T = 1. Two forwards per token: ALM' runs with its own KV cache, one generate call
 * per processor (see {@link CompanionModel}).
 */
public final class AsymptoticProbabilityDecoding implements LogitsProcessor {
    public static final double DEFAULT_TOP_P = 0.6;
    public static final int DEFAULT_TOP_K = 20;
    public static final double DEFAULT_TEMPERATURE = 1.0;

    private final CompanionModel alm;
    private final double topP;
    private final int topK;
    private final double temperature;

    /**
     * @param alm         the trained ALM' (same vocabulary as the generating model)
     * @param topP        nucleus of the LLM in (0, 1]
     * @param topK        at most this many of the LLM's most likely tokens (&gt;= 1)
     * @param temperature weight T &gt;= 0 of ALM's log-probability
     */
    public AsymptoticProbabilityDecoding(CausalLM alm, double topP, int topK, double temperature) {
        new TopP(topP);
        new TopK(topK);
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("APD temperature must be a finite number >= 0, got " + temperature);
        }
        this.alm = new CompanionModel(alm, "ALM'");
        this.topP = topP;
        this.topK = topK;
        this.temperature = temperature;
    }

    /** A processor for {@code llm} with the paper's defaults, after checking that ALM' shares its vocabulary. */
    public static AsymptoticProbabilityDecoding of(CausalLM llm, CausalLM alm) {
        AsymptoticProbabilityDecoding apd = new AsymptoticProbabilityDecoding(alm, DEFAULT_TOP_P, DEFAULT_TOP_K,
                DEFAULT_TEMPERATURE);
        CompanionModel.requireSameVocabulary(llm, alm, "ALM'");
        return apd;
    }

    @Override
    public void process(DecodingStep step, double[][] logits) {
        double[][] almLogProbs = alm.nextLogProbs(step, logits[0].length);
        for (int i = 0; i < logits.length; i++) {
            logits[i] = scores(logits[i], almLogProbs[i], topP, topK, temperature);
        }
    }

    /**
     * The APD scores of one row from the LLM's logits and ALM's log-probabilities. The kept set is the LLM's top-k (ties
     * with the k-th logit kept, as {@link TopK}) intersected with its nucleus: in decreasing order of probability a token
     * is kept while the mass of the tokens before it is below p (the most probable always): {@link TopP}'s set up to
     * rounding at the boundary.
     * Only the top-k candidates are sorted, so a step costs O(V log k) rather than a sort of the vocabulary.
     */
    public static double[] scores(double[] llmLogits, double[] almLogProbs, double topP, int topK, double temperature) {
        double[] logP = Sampling.logSoftmax(llmLogits);
        double kth = kthLargest(logP, Math.min(topK, logP.length));
        List<Integer> candidates = new ArrayList<>();
        for (int w = 0; w < logP.length; w++) {
            if (logP[w] >= kth) {
                candidates.add(w);
            }
        }
        // decreasing probability; among ties the higher id first, as TopP's stable ascending sort leaves them
        candidates.sort((a, b) -> logP[a] == logP[b] ? Integer.compare(b, a) : Double.compare(logP[b], logP[a]));
        double[] out = new double[logP.length];
        Arrays.fill(out, Double.NEGATIVE_INFINITY);
        double before = 0;
        for (int w : candidates) {
            if (before >= topP) {
                break;
            }
            out[w] = logP[w] - temperature * almLogProbs[w];
            before += Math.exp(logP[w]);
        }
        return out;
    }

    /** The k-th largest value of {@code x}: the k largest kept in a sorted array (most rows cost one compare each). */
    static double kthLargest(double[] x, int k) {
        double[] top = new double[k]; // descending
        Arrays.fill(top, Double.NEGATIVE_INFINITY);
        for (double v : x) {
            if (v > top[k - 1]) {
                int i = k - 1;
                while (i > 0 && top[i - 1] < v) {
                    top[i] = top[i - 1];
                    i--;
                }
                top[i] = v;
            }
        }
        return top[k - 1];
    }
}
