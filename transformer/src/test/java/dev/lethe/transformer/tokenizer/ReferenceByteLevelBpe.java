package dev.lethe.transformer.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test oracle: a deliberately simple, slow, pure-Java byte-level BPE (GPT-2 style: GPT-2's split regex, bytes
 * mapped to printable code points, then the lowest-ranked adjacent pair merged until none is left), written from
 * the algorithm's description and independent of the Rust library under test.
 */
final class ReferenceByteLevelBpe {
    private static final Pattern GPT2_SPLIT = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    private final Map<String, Integer> vocab;
    private final Map<String, Integer> ranks = new HashMap<>();
    private final char[] byteToChar = new char[256];

    ReferenceByteLevelBpe(Map<String, Integer> vocab, List<String[]> merges) {
        this.vocab = vocab;
        for (int i = 0; i < merges.size(); i++) {
            ranks.putIfAbsent(merges.get(i)[0] + "\u0000" + merges.get(i)[1], i);
        }
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            byteToChar[b] = printable ? (char) b : (char) next++;
        }
    }

    /** From a parsed tokenizer.json with a BPE model (merges as "a b" strings or as pairs). */
    static ReferenceByteLevelBpe fromTokenizerJson(JsonNode root) {
        Map<String, Integer> vocab = new HashMap<>();
        root.get("model").get("vocab").fields().forEachRemaining(e -> vocab.put(e.getKey(), e.getValue().asInt()));
        List<String[]> merges = new ArrayList<>();
        for (JsonNode m : root.get("model").get("merges")) {
            merges.add(m.isArray() ? new String[] {m.get(0).asText(), m.get(1).asText()} : m.asText().split(" "));
        }
        return new ReferenceByteLevelBpe(vocab, merges);
    }

    int[] encode(String text) {
        List<Integer> out = new ArrayList<>();
        Matcher m = GPT2_SPLIT.matcher(text);
        while (m.find()) {
            StringBuilder mapped = new StringBuilder();
            for (byte b : m.group().getBytes(StandardCharsets.UTF_8)) {
                mapped.append(byteToChar[b & 0xFF]);
            }
            List<String> symbols = new ArrayList<>();
            mapped.codePoints().forEach(cp -> symbols.add(new String(Character.toChars(cp))));
            while (symbols.size() > 1) {
                int best = -1;
                int bestRank = Integer.MAX_VALUE;
                for (int i = 0; i + 1 < symbols.size(); i++) {
                    Integer r = ranks.get(symbols.get(i) + "\u0000" + symbols.get(i + 1));
                    if (r != null && r < bestRank) {
                        bestRank = r;
                        best = i;
                    }
                }
                if (best < 0) {
                    break;
                }
                symbols.set(best, symbols.get(best) + symbols.remove(best + 1));
            }
            for (String s : symbols) {
                Integer id = vocab.get(s);
                if (id == null) {
                    throw new IllegalStateException("symbol not in vocabulary: " + s);
                }
                out.add(id);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
