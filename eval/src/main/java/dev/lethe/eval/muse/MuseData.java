package dev.lethe.eval.muse;

import java.util.List;

/**
 * The inputs of a MUSE-style evaluation (arXiv 2407.06460, criteria C1-C4; algorithms.md 11); any list may be null
 * (not given), and each metric runs when its inputs are there: VerbMem needs {@code verbmem} or {@code forgetTexts}
 * (split at {@link MuseSettings#verbmemPromptTokens()}), KnowMem needs {@code forgetQa} / {@code retainQa} (with
 * optional few-shot examples), PrivLeak needs {@code forgetTexts} and {@code holdoutTexts}. Read them with
 * {@link MuseFiles}.
 *
 * @param forgetTexts  documents the model was trained on and should forget (members)
 * @param holdoutTexts documents from the same distribution the model never saw (non-members)
 * @param verbmem      pre-split VerbMem items (MUSE's {@code verbmem/forget.json}), or null to split forgetTexts
 * @param forgetQa     KnowMem questions about the forget set
 * @param retainQa     KnowMem questions about the retain set (MUSE's utility preservation)
 * @param forgetIcl    few-shot examples put before each forget question (MUSE {@code forget_qa_icl.json})
 * @param retainIcl    few-shot examples put before each retain question (MUSE {@code retain_qa_icl.json})
 */
public record MuseData(List<String> forgetTexts, List<String> holdoutTexts, List<Continuation> verbmem,
                       List<QaPair> forgetQa, List<QaPair> retainQa, List<QaPair> forgetIcl, List<QaPair> retainIcl)
        implements java.io.Serializable {

    /** A question and its gold answer. */
    public record QaPair(String question, String answer) implements java.io.Serializable {
    }

    /** A VerbMem item: the prompt and its true continuation ({@code gt} in MUSE's files). */
    public record Continuation(String prompt, String continuation) implements java.io.Serializable {
    }

    public MuseData {
        forgetTexts = copy(forgetTexts);
        holdoutTexts = copy(holdoutTexts);
        verbmem = copy(verbmem);
        forgetQa = copy(forgetQa);
        retainQa = copy(retainQa);
        forgetIcl = copy(forgetIcl);
        retainIcl = copy(retainIcl);
        if (holdoutTexts != null && forgetTexts == null) {
            throw new IllegalArgumentException("holdout texts were given without forget texts; PrivLeak compares the"
                    + " forget texts (members) with the holdout texts (non-members), give both");
        }
        if (forgetTexts == null && holdoutTexts == null && verbmem == null && forgetQa == null && retainQa == null) {
            throw new IllegalArgumentException("no MUSE inputs: give forget texts (VerbMem, PrivLeak with holdout"
                    + " texts), VerbMem items, or forget/retain QA files (KnowMem)");
        }
    }

    /** True when both forget and holdout texts are there, so PrivLeak can run. */
    public boolean hasPrivLeak() {
        return forgetTexts != null && holdoutTexts != null;
    }

    private static <T> List<T> copy(List<T> l) {
        return l == null ? null : List.copyOf(l);
    }
}
