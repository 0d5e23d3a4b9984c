package dev.lethe.transformer.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The token/id table of a Hugging Face {@code tokenizer.json}: the model's vocabulary (BPE, WordPiece and
 * WordLevel store it as a token-to-id object, Unigram as a list of {@code [piece, score]} whose index is the id)
 * plus the {@code added_tokens}, with which of them are special. Built by {@link #fromTokenizerJson}, which
 * validates the fields and names the file in every error.
 */
public final class Vocabulary {
    private final Map<String, Integer> tokenToId;
    private final String[] idToToken;
    private final Set<Integer> specialIds;
    private final String modelType;
    private final String modelUnkToken;

    private Vocabulary(Map<String, Integer> tokenToId, String[] idToToken, Set<Integer> specialIds,
                       String modelType, String modelUnkToken) {
        this.tokenToId = tokenToId;
        this.idToToken = idToToken;
        this.specialIds = specialIds;
        this.modelType = modelType;
        this.modelUnkToken = modelUnkToken;
    }

    /**
     * Reads the vocabulary of a parsed {@code tokenizer.json}.
     *
     * @param root   the parsed JSON document
     * @param source the file (or description) named in error messages
     */
    public static Vocabulary fromTokenizerJson(JsonNode root, String source) {
        if (root == null || !root.isObject()) {
            throw new TokenizerException(source + ": the top level must be a JSON object with a 'model' field;"
                    + " is this really a Hugging Face tokenizer.json?");
        }
        JsonNode model = root.get("model");
        if (model == null || !model.isObject()) {
            throw new TokenizerException(source + ": field 'model' is missing or not an object; a tokenizer.json"
                    + " needs a 'model' object with 'type' and 'vocab' (save it with tokenizers >= 0.10 or"
                    + " PreTrainedTokenizerFast.save_pretrained).");
        }
        JsonNode vocab = model.get("vocab");
        String type = model.hasNonNull("type") ? model.get("type").asText() : (model.has("merges") ? "BPE" : "");
        Map<String, Integer> t2i = new HashMap<>();
        int maxId = -1;
        if (vocab != null && vocab.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = vocab.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                    throw new TokenizerException(source + ": field 'model.vocab' maps token '" + e.getKey()
                            + "' to " + e.getValue() + "; every id must be a non-negative integer.");
                }
                int id = e.getValue().asInt();
                t2i.put(e.getKey(), id);
                maxId = Math.max(maxId, id);
            }
        } else if (vocab != null && vocab.isArray()) {
            for (int i = 0; i < vocab.size(); i++) {
                JsonNode entry = vocab.get(i);
                if (!entry.isArray() || entry.size() < 1 || !entry.get(0).isTextual()) {
                    throw new TokenizerException(source + ": field 'model.vocab[" + i + "]' should be [piece, score]"
                            + " (Unigram vocabulary) but is " + entry + ".");
                }
                t2i.putIfAbsent(entry.get(0).asText(), i);
                maxId = i;
            }
        } else {
            throw new TokenizerException(source + ": field 'model.vocab' is missing or neither an object (BPE,"
                    + " WordPiece, WordLevel) nor a list (Unigram); the file is incomplete or not a tokenizer.json.");
        }
        Set<Integer> special = new HashSet<>();
        JsonNode added = root.get("added_tokens");
        if (added != null && !added.isNull()) {
            if (!added.isArray()) {
                throw new TokenizerException(source + ": field 'added_tokens' must be a list of {id, content,"
                        + " special} objects.");
            }
            for (int i = 0; i < added.size(); i++) {
                JsonNode a = added.get(i);
                JsonNode id = a.get("id");
                JsonNode content = a.get("content");
                if (id == null || !id.canConvertToInt() || id.asInt() < 0 || content == null || !content.isTextual()) {
                    throw new TokenizerException(source + ": field 'added_tokens[" + i + "]' needs a non-negative"
                            + " integer 'id' and a string 'content', got " + a + ".");
                }
                t2i.put(content.asText(), id.asInt());
                maxId = Math.max(maxId, id.asInt());
                if (a.path("special").asBoolean(false)) {
                    special.add(id.asInt());
                }
            }
        }
        String[] i2t = new String[maxId + 1];
        for (Map.Entry<String, Integer> e : t2i.entrySet()) {
            i2t[e.getValue()] = e.getKey();
        }
        // An added token's spelling wins over a model entry that has the same id.
        if (added != null && added.isArray()) {
            for (JsonNode a : added) {
                i2t[a.get("id").asInt()] = a.get("content").asText();
            }
        }
        String unk = model.hasNonNull("unk_token") ? model.get("unk_token").asText() : null;
        return new Vocabulary(t2i, i2t, Collections.unmodifiableSet(special), type, unk);
    }

    /** One more than the largest id. */
    public int size() {
        return idToToken.length;
    }

    /** The id of a vocabulary spelling. */
    public OptionalInt tokenToId(String token) {
        Integer id = tokenToId.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** The vocabulary spelling of an id. */
    public Optional<String> idToToken(int id) {
        return id < 0 || id >= idToToken.length ? Optional.empty() : Optional.ofNullable(idToToken[id]);
    }

    /** Whether the id is an added token marked {@code special}. */
    public boolean isSpecial(int id) {
        return specialIds.contains(id);
    }

    /** The ids of the special added tokens. */
    public Set<Integer> specialIds() {
        return specialIds;
    }

    /** The model type ("BPE", "WordPiece", "WordLevel", "Unigram"). */
    public String modelType() {
        return modelType;
    }

    /** The model's {@code unk_token} field, or null. */
    public String modelUnkToken() {
        return modelUnkToken;
    }
}
