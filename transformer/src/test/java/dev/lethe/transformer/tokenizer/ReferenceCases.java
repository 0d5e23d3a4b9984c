package dev.lethe.transformer.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.engine.testing.SharedFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** The 33 strings of shared/fixtures/hf/tokenizer_reference.json with the ids the Rust library gave for them. */
record ReferenceCases(String text, int[] ids, int[] idsWithSpecial, String decoded) {

    static List<ReferenceCases> load(String tokenizer) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(SharedFiles.path("fixtures/hf/tokenizer_reference.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<ReferenceCases> out = new ArrayList<>();
        for (JsonNode c : root.get(tokenizer)) {
            out.add(new ReferenceCases(c.get("text").asText(), ints(c.get("ids")), ints(c.get("ids_with_special")),
                    c.get("decoded").asText()));
        }
        return out;
    }

    private static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).asInt();
        }
        return r;
    }

    @Override
    public String toString() {
        return text.length() > 40 ? text.substring(0, 40) + "..." : text;
    }
}
