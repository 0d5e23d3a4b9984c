package dev.lethe.transformer.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A tokenizer described by a Hugging Face {@code tokenizer.json} (byte-level BPE as GPT-2/Llama-3, SentencePiece
 * style BPE with byte fallback as Llama-2/Mistral/Gemma, WordPiece, Unigram), run by the Rust {@code tokenizers}
 * library through DJL, offline. Normalizer, pre-tokenizer, post-processor and decoder are exactly those of the
 * file; the BOS/EOS/PAD/UNK ids come from {@code tokenizer_config.json}/{@code special_tokens_map.json} beside it
 * when present (see {@link SpecialTokens}). Create with {@link #load(Path)} or {@link #fromJson}; close when done.
 */
public final class HfTokenizer implements Tokenizer {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final HuggingFaceTokenizer native_;
    private final Vocabulary vocab;
    private final String json;
    private final String source;
    private final OptionalInt bos;
    private final OptionalInt eos;
    private final OptionalInt pad;
    private final OptionalInt unk;
    private volatile boolean closed;

    private HfTokenizer(HuggingFaceTokenizer native_, Vocabulary vocab, String json, String source,
                        SpecialTokens special, String specialSource) {
        this.native_ = native_;
        this.vocab = vocab;
        this.json = json;
        this.source = source;
        this.bos = resolve(special.bos(), "bos_token", specialSource);
        this.eos = resolve(special.eos(), "eos_token", specialSource);
        this.pad = resolve(special.pad(), "pad_token", specialSource);
        this.unk = resolve(special.unk(), "unk_token", specialSource);
    }

    /**
     * Loads {@code path}: a {@code tokenizer.json} file, or a model directory holding one. Special-token names come
     * from {@code tokenizer_config.json} / {@code special_tokens_map.json} in the same directory, else are guessed
     * from well-known spellings among the special added tokens.
     */
    public static HfTokenizer load(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve("tokenizer.json") : path;
        Path dir = file.toAbsolutePath().getParent();
        SpecialTokens special = dir == null ? SpecialTokens.NONE : SpecialTokens.fromModelDirectory(dir);
        return fromJson(readTokenizerJson(file), file.toString(), special,
                "tokenizer_config.json / special_tokens_map.json in " + dir);
    }

    /** Loads a {@code tokenizer.json} file with explicitly named special tokens (null fields are guessed). */
    public static HfTokenizer load(Path tokenizerJson, SpecialTokens special) {
        String text = readTokenizerJson(tokenizerJson);
        return fromJson(text, tokenizerJson.toString(), special, "the SpecialTokens given for " + tokenizerJson);
    }

    /**
     * Builds a tokenizer from the text of a {@code tokenizer.json}.
     *
     * @param json    the JSON text
     * @param source  a name for error messages (usually the file path)
     * @param special special-token spellings; null fields (or a null argument) are guessed from the vocabulary
     */
    public static HfTokenizer fromJson(String json, String source, SpecialTokens special) {
        return fromJson(json, source, special, "the SpecialTokens given for " + source);
    }

    static HfTokenizer fromJson(String json, String source, SpecialTokens special, String specialSource) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new TokenizerException(source + " is not valid JSON (" + e.getOriginalMessage() + " at line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr()
                    + "); the file is truncated or corrupt: download or export the tokenizer.json again.", e);
        }
        Vocabulary vocab = Vocabulary.fromTokenizerJson(root, source);
        SpecialTokens given = special == null ? SpecialTokens.NONE : special;
        SpecialTokens all = given.orElse(SpecialTokens.guess(vocab));
        HuggingFaceTokenizer nat = NativeTokenizers.fromJson(json, source);
        try {
            return new HfTokenizer(nat, vocab, json, source, all, specialSource);
        } catch (RuntimeException e) {
            nat.close();
            throw e;
        }
    }

    static String readTokenizerJson(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (NoSuchFileException e) {
            throw new TokenizerException("Tokenizer file not found: " + file + ". Pass a tokenizer.json file or a"
                    + " model directory that contains one (or use Tokenizers.load for encoder.json+vocab.bpe and"
                    + " llama2.c tokenizer.bin).", e);
        } catch (CharacterCodingException e) {
            throw new TokenizerException(file + " is not UTF-8 text, so it is not a tokenizer.json (a binary"
                    + " tokenizer.model or tokenizer.bin? use Tokenizers.load for llama2.c files).", e);
        } catch (IOException e) {
            throw new TokenizerException("Cannot read tokenizer file " + file + ": " + e, e);
        }
    }

    private OptionalInt resolve(String token, String field, String where) {
        if (token == null) {
            return OptionalInt.empty();
        }
        OptionalInt id = vocab.tokenToId(token);
        if (id.isEmpty()) {
            throw new TokenizerException(where + ": field '" + field + "' names token '" + token + "', which is"
                    + " not in the vocabulary of " + source + "; fix the name or add the token to 'added_tokens'.");
        }
        return id;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("Tokenizer " + source + " is closed.");
        }
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        checkOpen();
        Objects.requireNonNull(text, "text");
        // Straight to the JNI calls: only the ids are copied back (DJL's Encoding also copies token strings,
        // offsets and masks, which made encoding about twice as slow).
        long handle = TokenizersLibrary.LIB.encode(native_.getHandle(), text, addSpecialTokens);
        try {
            return toInts(TokenizersLibrary.LIB.getTokenIds(handle));
        } finally {
            TokenizersLibrary.LIB.deleteEncoding(handle);
        }
    }

    @Override
    public List<int[]> encodeBatch(List<String> texts, boolean addSpecialTokens) {
        checkOpen();
        texts.forEach(t -> Objects.requireNonNull(t, "texts contains null"));
        long[] handles = TokenizersLibrary.LIB.batchEncode(native_.getHandle(), texts.toArray(new String[0]),
                addSpecialTokens);
        List<int[]> out = new ArrayList<>(handles.length);
        try {
            for (long h : handles) {
                out.add(toInts(TokenizersLibrary.LIB.getTokenIds(h)));
            }
        } finally {
            for (long h : handles) {
                TokenizersLibrary.LIB.deleteEncoding(h);
            }
        }
        return out;
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        checkOpen();
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocab.size()) {
                throw new IllegalArgumentException("Token id " + ids[i] + " at position " + i + " is outside the"
                        + " vocabulary [0, " + vocab.size() + ") of " + source + ".");
            }
            l[i] = ids[i];
        }
        return native_.decode(l, skipSpecialTokens);
    }

    private static int[] toInts(long[] ids) {
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    @Override
    public int vocabSize() {
        return vocab.size();
    }

    @Override
    public OptionalInt bosId() {
        return bos;
    }

    @Override
    public OptionalInt eosId() {
        return eos;
    }

    @Override
    public OptionalInt padId() {
        return pad;
    }

    @Override
    public OptionalInt unkId() {
        return unk;
    }

    @Override
    public OptionalInt tokenToId(String token) {
        return vocab.tokenToId(token);
    }

    @Override
    public Optional<String> idToToken(int id) {
        return vocab.idToToken(id);
    }

    @Override
    public boolean isSpecial(int id) {
        return vocab.isSpecial(id);
    }

    /** The vocabulary table read from the tokenizer.json. */
    public Vocabulary vocabulary() {
        return vocab;
    }

    /** The tokenizer.json text this tokenizer was built from (e.g. to save a converted tokenizer). */
    public String toJson() {
        return json;
    }

    /** Writes {@link #toJson()} to {@code file}, so Python's {@code tokenizers} can load the same tokenizer. */
    public void save(Path file) throws IOException {
        Files.writeString(file, json, StandardCharsets.UTF_8);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            native_.close();
        }
    }

    @Override
    public String toString() {
        return "HfTokenizer[" + source + ", " + vocab.modelType() + ", vocab " + vocab.size() + "]";
    }
}
