package dev.lethe.transformer.generate;

import java.util.List;

/**
 * The result of generating from one prompt: the prompt ids (unpadded), the generated ids (an EOS that ended the row is
 * included; so is the token that completed a stop string), the decoded continuation (special tokens skipped, cut
 * before a stop string; null when the generator has no tokenizer), why the row ended, and, when asked for, the raw
 * next-token logits of every step (one array of vocabulary size per generated token).
 */
public record Generation(int[] promptIds, int[] ids, String text, FinishReason finishReason, List<float[]> logits) {

    /** Why a row stopped. */
    public enum FinishReason {
        /** It produced one of the EOS ids. */
        EOS,
        /** Its decoded continuation contains a stop string. */
        STOP_STRING,
        /** It reached the maximum number of new tokens. */
        LENGTH
    }
}
