package dev.lethe.eval.muse;

import dev.lethe.transformer.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * VerbMem inputs (arXiv 2407.06460, criterion C1: ROUGE-L F1 between the model's continuation of the first l tokens
 * of a forget text and the true continuation; algorithms.md 11.2). Plain texts are split after their first l tokens;
 * the true continuation is cut as MUSE's {@code verbmem.py} does:
 * {@code tokenizer(gt, add_special_tokens=True).input_ids[:max_new_tokens]} decoded without special tokens (so a
 * Llama BOS takes one of the 128 places).
 */
public final class VerbMemItems {

    private VerbMemItems() {
    }

    /**
     * Splits each text after its first {@code promptTokens} tokens (special tokens such as BOS not counted); the
     * prompt and the continuation are the decoded texts of the two parts.
     *
     * @param source what the texts are (e.g. the file name), for error messages
     */
    public static List<MuseData.Continuation> split(Tokenizer tok, List<String> texts, int promptTokens,
                                                    String source) {
        List<MuseData.Continuation> out = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            int[] ids = tok.encode(texts.get(i), false);
            if (ids.length <= promptTokens) {
                throw new IllegalArgumentException("VerbMem: " + source + " " + (i + 1) + " encodes to "
                        + ids.length + " tokens; VerbMem needs more than the " + promptTokens + " prompt tokens (lower"
                        + " --verbmem-prompt-tokens, or drop the text)");
            }
            String prompt = tok.decode(Arrays.copyOf(ids, promptTokens), true);
            String rest = tok.decode(Arrays.copyOfRange(ids, promptTokens, ids.length), true);
            out.add(new MuseData.Continuation(prompt, rest));
        }
        return out;
    }

    /** The true continuation cut to its first {@code maxTokens} tokens, counting special tokens (MUSE's gt_short). */
    public static String reference(Tokenizer tok, String continuation, int maxTokens) {
        int[] ids = tok.encode(continuation, true);
        return tok.decode(Arrays.copyOf(ids, Math.min(maxTokens, ids.length)), true);
    }
}
