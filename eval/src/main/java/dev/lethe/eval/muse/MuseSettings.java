package dev.lethe.eval.muse;

/**
 * How a MUSE-style evaluation runs (arXiv 2407.06460; defaults from MUSE's {@code eval.py}, algorithms.md 11.2).
 *
 * @param batchSize           sequences per forward pass, and prompts per generation batch
 * @param maxLength           longest scored document in tokens (clamped to the model's context); longer ones keep
 *                            their first tokens and are counted as truncated
 * @param verbmemPromptTokens VerbMem on plain texts: the first this many tokens are the prompt, the rest the true
 *                            continuation (pre-split prompt/continuation files are used as they are)
 * @param verbmemMaxNewTokens VerbMem greedy generation length; the true continuation is cut to its first this many
 *                            tokens (counting the tokenizer's BOS, as MUSE does) (MUSE: 128)
 * @param knowmemMaxNewTokens KnowMem greedy generation length (MUSE: 32)
 * @param minK                fraction k of Min-k% and Min-k%++ (MUSE PrivLeak: 0.4)
 * @param privleakAttack      the score PrivLeak is computed from (MUSE: Min-40%)
 * @param convention          which AUC convention PrivLeak and its reference use
 * @param useStemmer          Porter-stem ROUGE tokens (MUSE: false; open-unlearning's MUSE metrics: true)
 * @param limit               items per file at most (0 = all), applied when reading
 */
public record MuseSettings(int batchSize, int maxLength, int verbmemPromptTokens, int verbmemMaxNewTokens,
                           int knowmemMaxNewTokens, double minK, MiaAttack privleakAttack,
                           PrivLeakConvention convention, boolean useStemmer, int limit)
        implements java.io.Serializable {

    public MuseSettings {
        positive(batchSize, "batch size");
        positive(maxLength, "max length");
        positive(verbmemPromptTokens, "VerbMem prompt tokens");
        positive(verbmemMaxNewTokens, "VerbMem max new tokens");
        positive(knowmemMaxNewTokens, "KnowMem max new tokens");
        if (!(minK > 0 && minK <= 1)) {
            throw new IllegalArgumentException("Min-k% fraction k = " + minK + " must be in (0, 1], e.g. 0.4");
        }
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0 (0 = all items), got " + limit);
        }
        if (privleakAttack == null || convention == null) {
            throw new IllegalArgumentException("PrivLeak attack and convention must be set");
        }
    }

    /** Batch 8, 2048-token documents, 32 prompt tokens, 128/32 new tokens, k = 0.4, Min-k%, MUSE, no stemmer. */
    public static MuseSettings defaults() {
        return new MuseSettings(8, 2048, 32, 128, 32, 0.4, MiaAttack.MIN_K, PrivLeakConvention.MUSE, false, 0);
    }

    public MuseSettings withBatchSize(int v) {
        return new MuseSettings(v, maxLength, verbmemPromptTokens, verbmemMaxNewTokens, knowmemMaxNewTokens, minK,
                privleakAttack, convention, useStemmer, limit);
    }

    public MuseSettings withMaxLength(int v) {
        return new MuseSettings(batchSize, v, verbmemPromptTokens, verbmemMaxNewTokens, knowmemMaxNewTokens, minK,
                privleakAttack, convention, useStemmer, limit);
    }

    public MuseSettings withVerbmemPromptTokens(int v) {
        return new MuseSettings(batchSize, maxLength, v, verbmemMaxNewTokens, knowmemMaxNewTokens, minK,
                privleakAttack, convention, useStemmer, limit);
    }

    public MuseSettings withVerbmemMaxNewTokens(int v) {
        return new MuseSettings(batchSize, maxLength, verbmemPromptTokens, v, knowmemMaxNewTokens, minK,
                privleakAttack, convention, useStemmer, limit);
    }

    public MuseSettings withKnowmemMaxNewTokens(int v) {
        return new MuseSettings(batchSize, maxLength, verbmemPromptTokens, verbmemMaxNewTokens, v, minK,
                privleakAttack, convention, useStemmer, limit);
    }

    public MuseSettings withMinK(double v) {
        return new MuseSettings(batchSize, maxLength, verbmemPromptTokens, verbmemMaxNewTokens, knowmemMaxNewTokens, v,
                privleakAttack, convention, useStemmer, limit);
    }

    public MuseSettings withPrivleakAttack(MiaAttack v) {
        return new MuseSettings(batchSize, maxLength, verbmemPromptTokens, verbmemMaxNewTokens, knowmemMaxNewTokens,
                minK, v, convention, useStemmer, limit);
    }

    public MuseSettings withConvention(PrivLeakConvention v) {
        return new MuseSettings(batchSize, maxLength, verbmemPromptTokens, verbmemMaxNewTokens, knowmemMaxNewTokens,
                minK, privleakAttack, v, useStemmer, limit);
    }

    public MuseSettings withStemmer(boolean v) {
        return new MuseSettings(batchSize, maxLength, verbmemPromptTokens, verbmemMaxNewTokens, knowmemMaxNewTokens,
                minK, privleakAttack, convention, v, limit);
    }

    public MuseSettings withLimit(int v) {
        return new MuseSettings(batchSize, maxLength, verbmemPromptTokens, verbmemMaxNewTokens, knowmemMaxNewTokens,
                minK, privleakAttack, convention, useStemmer, v);
    }

    private static void positive(int v, String what) {
        if (v < 1) {
            throw new IllegalArgumentException(what + " must be >= 1, got " + v);
        }
    }
}
