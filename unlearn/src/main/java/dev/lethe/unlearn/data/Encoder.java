package dev.lethe.unlearn.data;

import dev.lethe.transformer.tokenizer.PromptTemplate;
import dev.lethe.transformer.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns records into {@link Example}s with a tokenizer and a template: [BOS] + prompt tokens, then answer tokens +
 * [EOS] (each optional), truncating the answer so the whole fits {@code maxLength}. Prompt and answer are encoded
 * separately, so the scored span is exactly the answer's tokens.
 */
public final class Encoder {
    private final Tokenizer tokenizer;
    private final PromptTemplate template;
    private final int maxLength;

    /** {@code addBos}/{@code addEos} override the template's own flags. */
    public Encoder(Tokenizer tokenizer, PromptTemplate template, int maxLength, boolean addBos, boolean addEos) {
        this.tokenizer = tokenizer;
        this.template = template.withSpecialTokens(addBos, addEos);
        this.maxLength = maxLength;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public PromptTemplate template() {
        return template;
    }

    public Example encode(String question, String answer) {
        int[] p = template.promptIds(tokenizer, question);
        int[] a = template.answerIds(tokenizer, answer);
        if (p.length >= maxLength) {
            p = Arrays.copyOfRange(p, p.length - maxLength + 1, p.length);
        }
        if (p.length + a.length > maxLength) {
            a = Arrays.copyOf(a, maxLength - p.length);
        }
        return new Example(p, a);
    }

    public Example encode(QaRecord r) {
        return encode(r.question(), r.answer());
    }

    public List<Example> encodeAll(List<QaRecord> records) {
        List<Example> out = new ArrayList<>(records.size());
        for (QaRecord r : records) {
            out.add(encode(r));
        }
        return out;
    }
}
