package dev.lethe.eval.text;

import dev.lethe.transformer.tokenizer.Tokenizer;
import java.util.Arrays;

/**
 * How a question and an answer become token ids for scoring and generation: the prompt is the template with
 * {@code {question}} replaced (plus BOS when {@code addBos} and the tokenizer has one), the answer is
 * {@code answerPrefix + answer} encoded separately (plus EOS when {@code addEos}), so the scored span is exactly the
 * answer's tokens (only answer tokens carry labels, as TOFU and open-unlearning do). {@link #PLAIN} is Lethe's
 * training template ("Question: {question}\nAnswer:" then " " + answer), the same text as the unlearn module's
 * {@code PromptTemplate.PLAIN}, so evaluation scores what training saw.
 *
 * @param pattern      prompt text with a {@code {question}} placeholder
 * @param answerPrefix text put before the answer (PLAIN: one space)
 * @param addBos       prepend the tokenizer's BOS id to the prompt (when it has one)
 * @param addEos       append the tokenizer's EOS id to the answer (when it has one)
 */
public record QaPrompt(String pattern, String answerPrefix, boolean addBos, boolean addEos) implements java.io.Serializable {

    public static final String PLACEHOLDER = "{question}";

    public static final QaPrompt PLAIN = new QaPrompt("Question: {question}\nAnswer:", " ", true, true);

    public QaPrompt {
        if (pattern == null || !pattern.contains(PLACEHOLDER)) {
            throw new IllegalArgumentException("prompt template \"" + pattern + "\" has no " + PLACEHOLDER
                    + " placeholder; write e.g. \"Question: {question}\\nAnswer:\"");
        }
        if (answerPrefix == null) {
            answerPrefix = "";
        }
    }

    /** A template from a pattern; the escape sequences \n and \t written literally (e.g. on a command line) are decoded. */
    public static QaPrompt of(String pattern, String answerPrefix) {
        return new QaPrompt(unescape(pattern), unescape(answerPrefix), true, true);
    }

    public QaPrompt withSpecialTokens(boolean bos, boolean eos) {
        return new QaPrompt(pattern, answerPrefix, bos, eos);
    }

    /** The prompt text of a question. */
    public String prompt(String question) {
        return pattern.replace(PLACEHOLDER, question);
    }

    /** Prompt ids: [BOS] + template tokens. */
    public int[] promptIds(Tokenizer tokenizer, String question) {
        int[] p = tokenizer.encode(prompt(question), false);
        if (addBos && tokenizer.bosId().isPresent()) {
            int[] q = new int[p.length + 1];
            q[0] = tokenizer.bosId().getAsInt();
            System.arraycopy(p, 0, q, 1, p.length);
            return q;
        }
        return p;
    }

    /** Answer ids: tokens of answerPrefix + answer, + [EOS]. */
    public int[] answerIds(Tokenizer tokenizer, String answer) {
        int[] a = tokenizer.encode(answerPrefix + answer, false);
        if (addEos && tokenizer.eosId().isPresent()) {
            a = Arrays.copyOf(a, a.length + 1);
            a[a.length - 1] = tokenizer.eosId().getAsInt();
        }
        return a;
    }

    static String unescape(String s) {
        return s == null ? null : s.replace("\\n", "\n").replace("\\t", "\t");
    }
}
