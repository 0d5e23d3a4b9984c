package dev.lethe.transformer.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A llama2.c {@code tokenizer.bin} (little-endian: int32 max_token_length, then per token float32 score, int32
 * byte length, UTF-8 bytes; spaces spelled as ' ', ids 0/1/2 = unk/BOS/EOS, byte tokens {@code <0xNN>}) and its
 * conversion to an equivalent Hugging Face {@code tokenizer.json}. llama2.c's encoder prepends one space, starts
 * from one symbol per code point (bytes {@code id = byte + 3} for code points not in the vocabulary) and then
 * repeatedly merges the adjacent pair whose concatenation has the highest score. The conversion reproduces that as
 * a SentencePiece-style BPE with byte fallback: normalizer Prepend("▁") + Replace(" ", "▁"), one merge for every
 * split of every piece into two pieces, ranked by the merged piece's score (best first), a post-processor adding
 * {@code <s>}, and a decoder that maps ▁ back to spaces, fuses byte tokens and strips the one leading space.
 * Known difference: where two different pairs with the same merged piece overlap (e.g. "aa"+"a" vs "a"+"aa"),
 * llama2.c takes the leftmost and BPE the lower rank; Hugging Face's own SentencePiece conversion shares it.
 */
public final class Llama2cTokenizerBin {
    private static final Pattern BYTE_TOKEN = Pattern.compile("<0x[0-9A-F]{2}>");

    private final Path file;
    private final int maxTokenLength;
    private final List<String> pieces;
    private final float[] scores;

    private Llama2cTokenizerBin(Path file, int maxTokenLength, List<String> pieces, float[] scores) {
        this.file = file;
        this.maxTokenLength = maxTokenLength;
        this.pieces = pieces;
        this.scores = scores;
    }

    /** Reads every token up to the end of the file. */
    public static Llama2cTokenizerBin read(Path file) {
        return read(file, -1);
    }

    /**
     * Reads a tokenizer.bin; with {@code vocabSize >= 0} exactly that many tokens are read (llama2.c takes the
     * count from the model header) and the file must hold at least that many.
     */
    public static Llama2cTokenizerBin read(Path file, int vocabSize) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new TokenizerException("llama2.c tokenizer file not found: " + file + ".", e);
        } catch (IOException e) {
            throw new TokenizerException("Cannot read " + file + ": " + e, e);
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (buf.remaining() < 4) {
            throw new TokenizerException(file + ": too short (" + bytes.length + " bytes) for a llama2.c"
                    + " tokenizer.bin, which starts with an int32 max_token_length.");
        }
        int maxLen = buf.getInt();
        if (maxLen <= 0 || maxLen > 1 << 16) {
            throw new TokenizerException(file + ": header field max_token_length is " + maxLen + "; a llama2.c"
                    + " tokenizer.bin has a small positive value there (is this a model checkpoint instead?).");
        }
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        List<String> pieces = new ArrayList<>();
        List<Float> scoreList = new ArrayList<>();
        while (vocabSize < 0 ? buf.hasRemaining() : pieces.size() < vocabSize) {
            int index = pieces.size();
            if (buf.remaining() < 8) {
                throw new TokenizerException(file + ": truncated at byte " + buf.position() + " in token " + index
                        + " (needs float32 score + int32 length)" + (vocabSize >= 0 ? "; expected " + vocabSize
                        + " tokens" : "") + ". Re-export the tokenizer.");
            }
            float score = buf.getFloat();
            int len = buf.getInt();
            if (len < 0 || len > maxLen || len > buf.remaining()) {
                throw new TokenizerException(file + ": token " + index + " has length field " + len + " at byte "
                        + (buf.position() - 4) + " (max_token_length " + maxLen + ", " + buf.remaining()
                        + " bytes left); the file is corrupt or truncated.");
            }
            byte[] piece = new byte[len];
            buf.get(piece);
            try {
                pieces.add(decoder.decode(ByteBuffer.wrap(piece)).toString());
            } catch (CharacterCodingException e) {
                throw new TokenizerException(file + ": token " + index + " is not valid UTF-8; Hugging Face"
                        + " vocabularies need text pieces (raw bytes belong in <0xNN> tokens).", e);
            }
            scoreList.add(score);
        }
        if (pieces.size() < 3) {
            throw new TokenizerException(file + ": only " + pieces.size() + " tokens; llama2.c needs at least"
                    + " <unk>, <s>, </s>.");
        }
        float[] scores = new float[scoreList.size()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = scoreList.get(i);
        }
        return new Llama2cTokenizerBin(file, maxLen, Collections.unmodifiableList(pieces), scores);
    }

    /** The file's max_token_length header field. */
    public int maxTokenLength() {
        return maxTokenLength;
    }

    /** Number of tokens. */
    public int size() {
        return pieces.size();
    }

    /** The piece of token {@code id} as stored by llama2.c (spaces as ' ', BOS as "\n&lt;s&gt;\n"). */
    public String piece(int id) {
        return pieces.get(id);
    }

    /** The merge score of token {@code id}. */
    public float score(int id) {
        return scores[id];
    }

    /** Loads the converted tokenizer (BOS {@code <s>} = 1, EOS {@code </s>} = 2, UNK {@code <unk>} = 0). */
    public static HfTokenizer load(Path file) {
        return read(file).toTokenizer();
    }

    /** The converted tokenizer. */
    public HfTokenizer toTokenizer() {
        return HfTokenizer.fromJson(toTokenizerJson(), file.toString() + " (converted from llama2.c)",
                new SpecialTokens("<s>", "</s>", null, "<unk>"));
    }

    /** The vocabulary spelling of token {@code id} in the converted tokenizer. */
    public String hfToken(int id) {
        switch (id) {
            case 0: return "<unk>";
            case 1: return "<s>";
            case 2: return "</s>";
            default: {
                String p = pieces.get(id);
                return BYTE_TOKEN.matcher(p).matches() ? p : p.replace(' ', '\u2581');
            }
        }
    }

    private boolean isMergeable(int id) {
        return id > 2 && !BYTE_TOKEN.matcher(pieces.get(id)).matches();
    }

    /** The equivalent Hugging Face tokenizer.json text. */
    public String toTokenizerJson() {
        ObjectMapper mapper = new ObjectMapper();
        Map<String, Integer> ids = new HashMap<>();
        ObjectNode vocab = mapper.createObjectNode();
        for (int id = 0; id < pieces.size(); id++) {
            String t = hfToken(id);
            Integer prev = ids.putIfAbsent(t, id);
            if (prev != null) {
                throw new TokenizerException(file + ": tokens " + prev + " and " + id + " are both '" + t + "';"
                        + " a vocabulary needs distinct pieces.");
            }
            vocab.put(t, id);
        }
        // One merge per split of each mergeable piece into two mergeable pieces, best merged score first.
        List<int[]> merges = new ArrayList<>();
        for (int id = 3; id < pieces.size(); id++) {
            if (!isMergeable(id)) {
                continue;
            }
            String t = hfToken(id);
            for (int k = t.offsetByCodePoints(0, 1); k < t.length(); k = t.offsetByCodePoints(k, 1)) {
                Integer l = ids.get(t.substring(0, k));
                Integer r = ids.get(t.substring(k));
                if (l != null && r != null && isMergeable(l) && isMergeable(r)) {
                    merges.add(new int[] {id, l, r});
                }
            }
        }
        merges.sort((a, b) -> {
            int c = Float.compare(scores[b[0]], scores[a[0]]);
            if (c != 0) {
                return c;
            }
            for (int i = 0; i < 3; i++) {
                if (a[i] != b[i]) {
                    return Integer.compare(a[i], b[i]);
                }
            }
            return 0;
        });
        ObjectNode root = mapper.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int id = 0; id < 3; id++) {
            ObjectNode a = added.addObject();
            a.put("id", id);
            a.put("content", hfToken(id));
            a.put("single_word", false);
            a.put("lstrip", false);
            a.put("rstrip", false);
            a.put("normalized", false);
            a.put("special", true);
        }
        ObjectNode normalizer = root.putObject("normalizer");
        normalizer.put("type", "Sequence");
        ArrayNode norms = normalizer.putArray("normalizers");
        norms.addObject().put("type", "Prepend").put("prepend", "\u2581");
        ObjectNode replace = norms.addObject().put("type", "Replace");
        replace.putObject("pattern").put("String", " ");
        replace.put("content", "\u2581");
        root.putNull("pre_tokenizer");
        root.set("post_processor", bosPostProcessor(1));
        ObjectNode decoder = root.putObject("decoder");
        decoder.put("type", "Sequence");
        ArrayNode decs = decoder.putArray("decoders");
        ObjectNode back = decs.addObject().put("type", "Replace");
        back.putObject("pattern").put("String", "\u2581");
        back.put("content", " ");
        decs.addObject().put("type", "ByteFallback");
        decs.addObject().put("type", "Fuse");
        decs.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.put("unk_token", "<unk>");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", true);
        model.put("byte_fallback", true);
        model.put("ignore_merges", false);
        model.set("vocab", vocab);
        ArrayNode mergeList = model.putArray("merges");
        for (int[] m : merges) {
            mergeList.addArray().add(hfToken(m[1])).add(hfToken(m[2]));
        }
        try {
            return mapper.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A Hugging Face {@code TemplateProcessing} post-processor that puts {@code <s>} (token {@code bosId}) before each
     * sequence, as SentencePiece Llama tokenizers do: {@code <s> A} for one sequence, {@code <s> A <s> B} for a pair.
     */
    public static ObjectNode bosPostProcessor(int bosId) {
        ObjectNode post = JsonNodeFactory.instance.objectNode();
        post.put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = post.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 1);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode bos = post.putObject("special_tokens").putObject("<s>");
        bos.put("id", "<s>");
        bos.putArray("ids").add(bosId);
        bos.putArray("tokens").add("<s>");
        return post;
    }
}
