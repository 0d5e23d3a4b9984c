package dev.lethe.transformer.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * OpenAI's original GPT-2 tokenizer files, {@code encoder.json} (byte-level token to id) and {@code vocab.bpe}
 * (a {@code #version} line, then one merge {@code "left right"} per line, best first), turned into the equivalent
 * Hugging Face {@code tokenizer.json}: BPE model, ByteLevel pre-tokenizer with GPT-2's regex and no prefix space,
 * ByteLevel decoder, and {@code <|endoftext|>} as the special BOS/EOS token when the vocabulary has it.
 */
public final class Gpt2BpeFiles {
    /** GPT-2's end-of-text token, used as both BOS and EOS. */
    public static final String END_OF_TEXT = "<|endoftext|>";

    private Gpt2BpeFiles() {
    }

    /** Loads the pair as a ready tokenizer. */
    public static HfTokenizer load(Path encoderJson, Path vocabBpe) {
        String json = toTokenizerJson(encoderJson, vocabBpe);
        SpecialTokens special = json.contains("\"" + END_OF_TEXT + "\"")
                ? new SpecialTokens(END_OF_TEXT, END_OF_TEXT, null, null) : SpecialTokens.NONE;
        return HfTokenizer.fromJson(json, encoderJson + " + " + vocabBpe.getFileName(), special);
    }

    /** The tokenizer.json text equivalent to the pair. */
    public static String toTokenizerJson(Path encoderJson, Path vocabBpe) {
        ObjectMapper mapper = new ObjectMapper();
        JsonNode encoder;
        try {
            encoder = mapper.readTree(encoderJson.toFile());
        } catch (JsonProcessingException e) {
            throw new TokenizerException(encoderJson + " is not valid JSON (" + e.getOriginalMessage() + " at line "
                    + e.getLocation().getLineNr() + "); re-download GPT-2's encoder.json.", e);
        } catch (IOException e) {
            throw new TokenizerException(notFound(encoderJson, e), e);
        }
        if (encoder == null || !encoder.isObject() || encoder.isEmpty()) {
            throw new TokenizerException(encoderJson + ": expected a JSON object mapping tokens to ids"
                    + " (GPT-2 encoder.json), got " + (encoder == null ? "nothing" : encoder.getNodeType()) + ".");
        }
        ObjectNode vocab = mapper.createObjectNode();
        Iterator<Map.Entry<String, JsonNode>> it = encoder.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                throw new TokenizerException(encoderJson + ": token '" + e.getKey() + "' maps to " + e.getValue()
                        + "; every id must be a non-negative integer.");
            }
            vocab.put(e.getKey(), e.getValue().asInt());
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(vocabBpe, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TokenizerException(notFound(vocabBpe, e), e);
        }
        ArrayNode merges = mapper.createArrayNode();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isEmpty() || (i == 0 && line.startsWith("#version"))) {
                continue;
            }
            int sp = line.indexOf(' ');
            if (sp <= 0 || sp == line.length() - 1 || line.indexOf(' ', sp + 1) >= 0) {
                throw new TokenizerException(vocabBpe + ": line " + (i + 1) + " is '" + line + "' but every merge"
                        + " line must be two tokens separated by one space.");
            }
            String left = line.substring(0, sp);
            String right = line.substring(sp + 1);
            if (!vocab.has(left) || !vocab.has(right) || !vocab.has(left + right)) {
                throw new TokenizerException(vocabBpe + ": line " + (i + 1) + " merges '" + left + "' + '" + right
                        + "' but " + encoderJson.getFileName() + " lacks one of them or their merge; the two files"
                        + " do not belong together.");
            }
            merges.add(line);
        }
        ObjectNode root = mapper.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        if (vocab.has(END_OF_TEXT)) {
            ObjectNode t = added.addObject();
            t.put("id", vocab.get(END_OF_TEXT).asInt());
            t.put("content", END_OF_TEXT);
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", true);
            t.put("special", true);
        }
        root.putNull("normalizer");
        root.set("pre_tokenizer", byteLevel(mapper, true));
        root.set("post_processor", byteLevel(mapper, false));
        root.set("decoder", byteLevel(mapper, true));
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.put("continuing_subword_prefix", "");
        model.put("end_of_word_suffix", "");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.set("vocab", vocab);
        model.set("merges", merges);
        try {
            return mapper.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode byteLevel(ObjectMapper mapper, boolean trimOffsets) {
        ObjectNode n = mapper.createObjectNode();
        n.put("type", "ByteLevel");
        n.put("add_prefix_space", false);
        n.put("trim_offsets", trimOffsets);
        n.put("use_regex", true);
        return n;
    }

    private static String notFound(Path file, IOException e) {
        if (e instanceof NoSuchFileException) {
            return "GPT-2 tokenizer file not found: " + file + ". GPT-2 needs both encoder.json and vocab.bpe in"
                    + " the same folder.";
        }
        return "Cannot read " + file + ": " + e;
    }
}
