package dev.lethe.eval.tofu;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.lethe.eval.metrics.TruthRatio;

/**
 * Everything TOFU computes for one item (algorithms.md 10.2). Losses are mean NLLs over the answer tokens; the
 * probability is {@code exp(-answerLoss)}; {@code normalizedProbability} (real authors / world facts only) is
 * {@code P~(a) / (P~(a) + sum_j P~(a~_j))}; {@code truthRatio} is the per-item {@code P_pert / P_corr =
 * exp(correctLoss - mean(perturbedLosses))} (algorithms.md 10.2; the legacy TOFU logs store the inverse; OU adds 1e-10 to
 * P_corr, which only matters when P_corr is below ~1e-8, so it is left out here) with the paraphrased answer as the correct one on forget/retain and the
 * answer on the option sets; {@code rougeLRecall} compares the greedy {@code generation} with the answer.
 */
public record TofuItemResult(String question, String answer, String generation,
                             @JsonProperty("rouge_l_recall") double rougeLRecall,
                             double answerLoss, int answerTokens, Double paraphrasedLoss, double[] perturbedLosses,
                             double probability, Double normalizedProbability, double truthRatio) implements java.io.Serializable {

    /** Derives the probabilities and the truth ratio from the losses as TOFU does for a set of this kind. */
    public static TofuItemResult of(TofuSplit.Kind kind, String question, String answer, String generation,
                                    double rougeLRecall, double answerLoss, int answerTokens, Double paraphrasedLoss,
                                    double[] perturbedLosses) {
        if (perturbedLosses.length == 0) {
            throw new IllegalArgumentException("an item needs at least one perturbed answer for the truth ratio");
        }
        double p = Math.exp(-answerLoss);
        Double norm = null;
        double correct;
        if (kind == TofuSplit.Kind.OPTIONS) {
            double sum = p;
            for (double l : perturbedLosses) {
                sum += Math.exp(-l);
            }
            norm = p / sum;
            correct = answerLoss;
        } else {
            if (paraphrasedLoss == null) {
                throw new IllegalArgumentException(kind + " items need the paraphrased answer's loss");
            }
            correct = paraphrasedLoss;
        }
        // P_pert / P_corr = 1 / (TOFU's stored statistic), without OU's 1e-10 epsilon (exact for any loss size)
        double tr = 1.0 / TruthRatio.legacyTofu(correct, perturbedLosses);
        return new TofuItemResult(question, answer, generation, rougeLRecall, answerLoss, answerTokens,
                paraphrasedLoss, perturbedLosses.clone(), p, norm, tr);
    }
}
