package dev.lethe.transformer.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Test oracle: llama2.c's {@code encode()} re-done in plain Java from its description, straight on the pieces and
 * scores of a tokenizer.bin (no merges list): a dummy space in front, one symbol per code point (or byte + 3 when
 * the code point is not a piece), then repeatedly merge the leftmost adjacent pair whose concatenation is a piece
 * with the highest score.
 */
final class ReferenceLlama2cEncoder {
    private final Map<String, Integer> ids = new HashMap<>();
    private final Llama2cTokenizerBin bin;

    ReferenceLlama2cEncoder(Llama2cTokenizerBin bin) {
        this.bin = bin;
        for (int i = 0; i < bin.size(); i++) {
            ids.putIfAbsent(bin.piece(i), i);
        }
    }

    int[] encode(String text, boolean bos) {
        List<Integer> tokens = new ArrayList<>();
        if (bos) {
            tokens.add(1);
        }
        if (!text.isEmpty()) {
            tokens.add(ids.get(" "));
        }
        text.codePoints().forEach(cp -> {
            String ch = new String(Character.toChars(cp));
            Integer id = ids.get(ch);
            if (id != null) {
                tokens.add(id);
            } else {
                for (byte b : ch.getBytes(StandardCharsets.UTF_8)) {
                    tokens.add((b & 0xFF) + 3);
                }
            }
        });
        int start = 0;
        while (true) {
            float bestScore = -1e10f;
            int bestId = -1;
            int bestIdx = -1;
            for (int i = start; i + 1 < tokens.size(); i++) {
                Integer merged = ids.get(bin.piece(tokens.get(i)) + bin.piece(tokens.get(i + 1)));
                if (merged != null && bin.score(merged) > bestScore) {
                    bestScore = bin.score(merged);
                    bestId = merged;
                    bestIdx = i;
                }
            }
            if (bestIdx < 0) {
                break;
            }
            tokens.set(bestIdx, bestId);
            tokens.remove(bestIdx + 1);
        }
        return tokens.stream().mapToInt(Integer::intValue).toArray();
    }

    /** llama2.c's decode of a generated stream: raw bytes for &lt;0xNN&gt;, leading space dropped after BOS. */
    String decode(int[] ids, int prev) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int id : ids) {
            String p = bin.piece(id);
            if (prev == 1 && p.startsWith(" ")) {
                p = p.substring(1);
            }
            if (p.matches("<0x[0-9A-F]{2}>")) {
                out.write(Integer.parseInt(p.substring(3, 5), 16));
            } else {
                out.writeBytes(p.getBytes(StandardCharsets.UTF_8));
            }
            prev = id;
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
