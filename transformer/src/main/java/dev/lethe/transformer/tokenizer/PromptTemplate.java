package dev.lethe.transformer.tokenizer;

import java.util.Arrays;

/**
 * How a question and an answer become model text and token ids, the same for training (unlearn's {@code Encoder}) and
 * evaluation (TOFU, MUSE): the prompt is the pattern with {@code {question}} replaced, encoded with BOS in front when
 * {@code addBos} and the tokenizer has one distinct from its EOS; the answer is {@code answerPrefix + answer}, encoded
 * separately with EOS after it when {@code addEos}, so the scored span is exactly the answer's tokens. {@link #PLAIN} writes
 * "Question: {question}\nAnswer:" and the answer after one space; {@link #RAW} puts the question text directly before
 * the answer (raw-text records, completion data).
 *
 * @param name         "plain", "raw" or "custom"
 * @param pattern      prompt text with a {@code {question}} placeholder
 * @param answerPrefix text put before the answer (PLAIN: one space)
 * @param addBos       prepend the tokenizer's BOS id to the prompt (when it has one distinct from EOS)
 * @param addEos       append the tokenizer's EOS id to the answer (when it has one)
 */
public record PromptTemplate(String name, String pattern, String answerPrefix, boolean addBos, boolean addEos)
        implements java.io.Serializable {
    public static final String PLACEHOLDER = "{question}";
    public static final PromptTemplate PLAIN = new PromptTemplate("plain", "Question: {question}\nAnswer:", " ", true,
            true);
    public static final PromptTemplate RAW = new PromptTemplate("raw", PLACEHOLDER, "", true, true);

    public PromptTemplate {
        if (pattern == null || !pattern.contains(PLACEHOLDER)) {
            throw new IllegalArgumentException("prompt template \"" + pattern + "\" has no " + PLACEHOLDER
                    + " placeholder; write e.g. \"Question: {question}\\nAnswer:\", or use plain or raw");
        }
        if (answerPrefix == null) {
            answerPrefix = "";
        }
    }

    /**
     * A template from a pattern such as "[INST] {question} [/INST]"; the answer follows after answerPrefix. The escape
     * sequences \n and \t written literally (e.g. on a command line) are decoded.
     */
    public static PromptTemplate of(String pattern, String answerPrefix) {
        return new PromptTemplate("custom", unescape(pattern), unescape(answerPrefix), true, true);
    }

    /** {@link #PLAIN} or {@link #RAW} by name. */
    public static PromptTemplate named(String name) {
        return switch (name) {
            case "plain" -> PLAIN;
            case "raw" -> RAW;
            default -> throw new IllegalArgumentException("unknown prompt template '" + name
                    + "' (plain, raw, or a pattern with {question})");
        };
    }

    /** A name ("plain", "raw") or a pattern with {question} (answer after one space). */
    public static PromptTemplate parse(String nameOrPattern) {
        return nameOrPattern.contains(PLACEHOLDER) ? of(nameOrPattern, " ") : named(nameOrPattern);
    }

    public PromptTemplate withSpecialTokens(boolean bos, boolean eos) {
        return new PromptTemplate(name, pattern, answerPrefix, bos, eos);
    }

    /** The prompt text of a question. */
    public String prompt(String question) {
        return pattern.replace(PLACEHOLDER, question);
    }

    /** The answer text as it follows the prompt. */
    public String answer(String answer) {
        return answerPrefix + answer;
    }

    /**
     * Prompt ids: [BOS] + template tokens, BOS only when {@code addBos} and {@link #trainsWithBos} (one rule for
     * training, evaluation and editing: GPT-2's {@code <|endoftext|>} is never put in front).
     */
    public int[] promptIds(Tokenizer tokenizer, String question) {
        int[] p = tokenizer.encode(prompt(question), false);
        if (addBos && trainsWithBos(tokenizer)) {
            int[] q = new int[p.length + 1];
            q[0] = tokenizer.bosId().getAsInt();
            System.arraycopy(p, 0, q, 1, p.length);
            return q;
        }
        return p;
    }

    /**
     * Whether Lethe's training puts BOS before a prompt for this tokenizer: when it has a BOS distinct from its EOS
     * (GPT-2's {@code <|endoftext|>} is both and is left out).
     */
    public static boolean trainsWithBos(Tokenizer tokenizer) {
        return tokenizer.bosId().isPresent() && (tokenizer.eosId().isEmpty()
                || tokenizer.bosId().getAsInt() != tokenizer.eosId().getAsInt());
    }

    /**
     * Ids of plain text as Lethe's training encodes the start of an example ({@link #RAW} with {@link #trainsWithBos}):
     * [BOS] + the text's tokens, without the tokenizer's own post-processor. Reading a model at the text a fine-tuned
     * model saw (knowledge editing, edit scoring) must use this, not {@code encode(text, true)}.
     */
    public static int[] rawTextIds(Tokenizer tokenizer, String text) {
        return RAW.withSpecialTokens(trainsWithBos(tokenizer), false).promptIds(tokenizer, text);
    }

    /** Answer ids: tokens of answerPrefix + answer, + [EOS]. */
    public int[] answerIds(Tokenizer tokenizer, String answer) {
        int[] a = tokenizer.encode(answer(answer), false);
        if (addEos && tokenizer.eosId().isPresent()) {
            a = Arrays.copyOf(a, a.length + 1);
            a[a.length - 1] = tokenizer.eosId().getAsInt();
        }
        return a;
    }

    private static String unescape(String s) {
        return s == null ? null : s.replace("\\n", "\n").replace("\\t", "\t");
    }
}
