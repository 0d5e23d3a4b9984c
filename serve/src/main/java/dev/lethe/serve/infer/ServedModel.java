package dev.lethe.serve.infer;

import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The model the server answers with: its public id (the {@code model} field of requests), the registry version it
 * came from, the weights, the tokenizer and the chat template. Immutable; a promotion replaces the whole record.
 */
public record ServedModel(String id, int version, CausalLM model, Tokenizer tokenizer, ChatTemplate template) {

    /** Ids that end a sequence: the model config's EOS ids and the tokenizer's. */
    public Set<Integer> eosIds() {
        Set<Integer> s = new LinkedHashSet<>(model.config().eosTokenIds());
        tokenizer.eosId().ifPresent(s::add);
        return s;
    }

    /** Most positions (prompt plus generated tokens) a sequence may use. */
    public int contextLength() {
        return model.config().maxPositionEmbeddings();
    }
}
