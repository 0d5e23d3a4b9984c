package dev.lethe.transformer.tokenizer;

import java.util.Arrays;

/**
 * The text of a continuation that grows one token at a time, without decoding the whole sequence again at every
 * token (which makes streaming a sequence of n tokens cost O(n^2)). After each {@link #add} the text equals
 * {@link #fullText}: the continuation's part of {@code decode(prompt + generated)}.
 *
 * <p>How: the text is kept as a committed part, exact up to token {@code committedAt}, plus a tail. A new token
 * decodes only a window: the few tokens before {@code committedAt} (context, so that a decoder's handling of a leading
 * space or a multi-byte character split across tokens sees what it would see in the whole sequence), then the same
 * window with the tokens after it; the tail is what the second decode adds to the first. The tail is committed once it
 * does not end in U+FFFD (an incomplete UTF-8 character whose remaining bytes come with the next tokens). The window
 * is widened when its own text is empty or ends in U+FFFD (a token boundary inside a character), and the whole-sequence
 * decode is used when the prompt's text itself ends in an incomplete character. This relies on the decoders in use
 * (byte-level BPE, SentencePiece's metaspace with byte fallback, llama2.c) being local: bytes after a complete
 * character decode the same whatever came before it; {@code IncrementalDetokenizerTest} checks every prefix.
 */
public final class IncrementalDetokenizer {
    /** Context tokens decoded before the committed point. */
    private static final int WINDOW = 6;
    private static final char INCOMPLETE = '\uFFFD';

    private final Tokenizer tokenizer;
    private final int promptLength;
    private final String promptText;
    private final boolean wholeOnly;
    private int[] tokens;
    private int used;
    private final StringBuilder committed = new StringBuilder();
    private int committedAt;
    private String tail = "";
    private int changedFrom;

    public IncrementalDetokenizer(Tokenizer tokenizer, int[] prompt) {
        this.tokenizer = tokenizer;
        this.tokens = Arrays.copyOf(prompt, prompt.length + 16);
        this.used = prompt.length;
        this.promptLength = prompt.length;
        this.committedAt = prompt.length;
        this.promptText = tokenizer.decode(prompt, true);
        this.wholeOnly = promptText.endsWith(String.valueOf(INCOMPLETE));
    }

    /**
     * The continuation's text as the whole-sequence decode gives it: the decode of prompt + generated without the
     * prompt's text, or the decode of the generated tokens alone when the first does not start with the second.
     */
    public static String fullText(Tokenizer tokenizer, int[] prompt, int[] generated) {
        int[] all = Arrays.copyOf(prompt, prompt.length + generated.length);
        System.arraycopy(generated, 0, all, prompt.length, generated.length);
        String whole = tokenizer.decode(all, true);
        String p = tokenizer.decode(prompt, true);
        return whole.startsWith(p) ? whole.substring(p.length()) : tokenizer.decode(generated, true);
    }

    /** Appends a generated token. */
    public void add(int token) {
        if (used == tokens.length) {
            tokens = Arrays.copyOf(tokens, tokens.length * 2);
        }
        tokens[used++] = token;
        changedFrom = committed.length();
        if (wholeOnly) {
            changedFrom = 0;
            tail = wholeText();
            return;
        }
        int from = Math.max(0, committedAt - WINDOW);
        String next = null;
        while (next == null) {
            String before = decode(from, committedAt);
            boolean clean = (from == 0 || !before.isEmpty()) && !endsIncomplete(before);
            if (clean) {
                String after = decode(from, used);
                if (after.startsWith(before)) {
                    next = after.substring(before.length());
                    break;
                }
            }
            if (from == 0) {
                // no clean window: the whole sequence, and the committed point restarts at the prompt
                committed.setLength(0);
                committedAt = promptLength;
                changedFrom = 0;
                next = wholeText();
                break;
            }
            from = Math.max(0, from - WINDOW);
        }
        tail = next;
        if (!endsIncomplete(tail)) {
            committed.append(tail);
            committedAt = used;
            tail = "";
        }
    }

    /** The continuation's text so far (may end in U+FFFD while a character's bytes are incomplete). */
    public String text() {
        return tail.isEmpty() ? committed.toString() : committed + tail;
    }

    /**
     * Where the text may differ from the text before the last {@link #add}: it is equal before this index. A search for
     * stop strings done on every earlier text need only look at the strings that overlap this index or come after it.
     */
    public int changedFrom() {
        return changedFrom;
    }

    /** Generated tokens so far. */
    public int[] generated() {
        return Arrays.copyOfRange(tokens, promptLength, used);
    }

    private String wholeText() {
        return fullText(tokenizer, Arrays.copyOf(tokens, promptLength), generated());
    }

    private String decode(int from, int to) {
        return tokenizer.decode(Arrays.copyOfRange(tokens, from, to), true);
    }

    private static boolean endsIncomplete(String s) {
        return !s.isEmpty() && s.charAt(s.length() - 1) == INCOMPLETE;
    }
}
