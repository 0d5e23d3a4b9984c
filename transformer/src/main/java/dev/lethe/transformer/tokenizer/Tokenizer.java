package dev.lethe.transformer.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Text to token ids and back, as the models of this project see them. Implementations follow the Hugging Face
 * semantics: {@code encode(text, true)} applies the tokenizer's post-processor (e.g. a leading BOS for Llama-2
 * style tokenizers; nothing for GPT-2), {@code decode(ids, true)} drops special tokens. Token strings are the
 * vocabulary's own spelling (byte-level {@code Ġ} for GPT-2, {@code ▁} for SentencePiece). A tokenizer may hold
 * native memory, so close it when done; all methods are safe to call from several threads.
 */
public interface Tokenizer extends AutoCloseable {

    /** Token ids of {@code text}; with {@code addSpecialTokens} the post-processor's special tokens are added. */
    int[] encode(String text, boolean addSpecialTokens);

    /** Encodes several texts; the default loops over {@link #encode(String, boolean)}. */
    default List<int[]> encodeBatch(List<String> texts, boolean addSpecialTokens) {
        List<int[]> out = new ArrayList<>(texts.size());
        for (String t : texts) {
            out.add(encode(t, addSpecialTokens));
        }
        return out;
    }

    /** The text of {@code ids}; with {@code skipSpecialTokens} special tokens (BOS, EOS, PAD, ...) are left out. */
    String decode(int[] ids, boolean skipSpecialTokens);

    /** One more than the largest token id (model vocabulary plus added tokens): the embedding rows needed. */
    int vocabSize();

    /** Id of the beginning-of-sequence token, if the tokenizer has one. */
    OptionalInt bosId();

    /** Id of the end-of-sequence token, if the tokenizer has one. */
    OptionalInt eosId();

    /** Id of the padding token, if the tokenizer declares one (GPT-2 and Llama-3 do not). */
    OptionalInt padId();

    /** Id of the unknown token, if the tokenizer has one. */
    OptionalInt unkId();

    /** Id of a vocabulary entry spelled exactly {@code token} (vocabulary spelling, not raw text). */
    OptionalInt tokenToId(String token);

    /** Vocabulary spelling of {@code id}, empty when the id is outside the vocabulary or unused. */
    Optional<String> idToToken(int id);

    /** Whether {@code id} is a special token (dropped by {@code decode(ids, true)}). */
    boolean isSpecial(int id);

    /** Releases native resources; further calls fail. Never throws a checked exception. */
    @Override
    void close();
}
