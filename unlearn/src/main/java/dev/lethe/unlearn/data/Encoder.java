package dev.lethe.unlearn.data;

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
    private final boolean addBos;
    private final boolean addEos;

    public Encoder(Tokenizer tokenizer, PromptTemplate template, int maxLength, boolean addBos, boolean addEos) {
        this.tokenizer = tokenizer;
        this.template = template;
        this.maxLength = maxLength;
        this.addBos = addBos && tokenizer.bosId().isPresent();
        this.addEos = addEos && tokenizer.eosId().isPresent();
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public PromptTemplate template() {
        return template;
    }

    public Example encode(String question, String answer) {
        int[] p = tokenizer.encode(template.prompt(question), false);
        int[] a = tokenizer.encode(template.answer(answer), false);
        if (addBos) {
            int[] q = new int[p.length + 1];
            q[0] = tokenizer.bosId().getAsInt();
            System.arraycopy(p, 0, q, 1, p.length);
            p = q;
        }
        if (addEos) {
            a = Arrays.copyOf(a, a.length + 1);
            a[a.length - 1] = tokenizer.eosId().getAsInt();
        }
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
