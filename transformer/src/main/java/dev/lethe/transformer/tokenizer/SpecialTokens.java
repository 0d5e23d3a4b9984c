package dev.lethe.transformer.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The spellings of the BOS, EOS, PAD and UNK tokens (any may be null). They come from a model directory's
 * {@code tokenizer_config.json} ({@code bos_token}, ... as a string or as {@code {"content": ...}}), else its
 * {@code special_tokens_map.json}, else from well-known names among the special added tokens
 * ({@link #guess(Vocabulary)}); or the caller passes them explicitly.
 */
public record SpecialTokens(String bos, String eos, String pad, String unk) {

    /** No special tokens named. */
    public static final SpecialTokens NONE = new SpecialTokens(null, null, null, null);

    private static final List<String> BOS_NAMES = List.of("<|begin_of_text|>", "<s>", "<bos>", "<|startoftext|>",
            "[CLS]");
    private static final List<String> EOS_NAMES = List.of("<|end_of_text|>", "</s>", "<eos>", "<|endoftext|>",
            "[SEP]");
    private static final List<String> PAD_NAMES = List.of("<pad>", "[PAD]", "<|pad|>", "<|padding|>");
    private static final List<String> UNK_NAMES = List.of("<unk>", "[UNK]", "<|unk|>");

    /** Each field of this one, or {@code other}'s where this one is null. */
    public SpecialTokens orElse(SpecialTokens other) {
        return new SpecialTokens(bos != null ? bos : other.bos, eos != null ? eos : other.eos,
                pad != null ? pad : other.pad, unk != null ? unk : other.unk);
    }

    /**
     * Reads {@code tokenizer_config.json} and then {@code special_tokens_map.json} from {@code dir} (either may be
     * absent; the first file wins field by field). Returns {@link #NONE} when neither exists.
     */
    public static SpecialTokens fromModelDirectory(Path dir) {
        SpecialTokens result = NONE;
        for (String name : List.of("tokenizer_config.json", "special_tokens_map.json")) {
            Path file = dir.resolve(name);
            if (Files.isRegularFile(file)) {
                result = result.orElse(fromConfigFile(file));
            }
        }
        return result;
    }

    /** Reads the {@code bos_token}, {@code eos_token}, {@code pad_token}, {@code unk_token} fields of one file. */
    public static SpecialTokens fromConfigFile(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new TokenizerException(file + " is not valid JSON (" + e.getOriginalMessage() + " at line "
                    + e.getLocation().getLineNr() + "); fix or delete the file (it only names special tokens).", e);
        } catch (IOException e) {
            throw new TokenizerException("Cannot read " + file + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new TokenizerException(file + ": the top level must be a JSON object.");
        }
        return new SpecialTokens(field(root, "bos_token", file), field(root, "eos_token", file),
                field(root, "pad_token", file), field(root, "unk_token", file));
    }

    private static String field(JsonNode root, String name, Path file) {
        JsonNode n = root.get(name);
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isTextual()) {
            return n.asText();
        }
        if (n.isObject() && n.path("content").isTextual()) {
            return n.get("content").asText();
        }
        throw new TokenizerException(file + ": field '" + name + "' must be a string or an object with a string"
                + " 'content', got " + n + ".");
    }

    /** Picks well-known spellings among the special added tokens (UNK also from the model's unk_token). */
    public static SpecialTokens guess(Vocabulary vocab) {
        String unk = pick(vocab, UNK_NAMES);
        if (unk == null && vocab.modelUnkToken() != null && vocab.tokenToId(vocab.modelUnkToken()).isPresent()) {
            unk = vocab.modelUnkToken();
        }
        return new SpecialTokens(pick(vocab, BOS_NAMES), pick(vocab, EOS_NAMES), pick(vocab, PAD_NAMES), unk);
    }

    private static String pick(Vocabulary vocab, List<String> names) {
        for (String n : names) {
            var id = vocab.tokenToId(n);
            if (id.isPresent() && vocab.isSpecial(id.getAsInt())) {
                return n;
            }
        }
        return null;
    }
}
