package dev.lethe.eval.tofu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One TOFU evaluation record: {@code question}, {@code answer}, {@code paraphrased_answer} (forget and retain sets;
 * null on real authors / world facts) and {@code perturbed_answer} (the wrong answers). {@link #read} takes TOFU's
 * JSON-lines files ({@code forget01_perturbed.json}, ...) or a JSON array of the same objects.
 */
public record TofuItem(String question, String answer, String paraphrasedAnswer, List<String> perturbedAnswers) {

    public TofuItem {
        perturbedAnswers = perturbedAnswers == null ? List.of() : List.copyOf(perturbedAnswers);
    }

    /** Reads at most {@code limit} records ({@code limit <= 0}: all). */
    public static List<TofuItem> read(Path file, int limit) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such TOFU data file (expected JSON lines with question/answer/"
                    + "paraphrased_answer/perturbed_answer, e.g. forget01_perturbed.json)");
        }
        ObjectMapper mapper = new ObjectMapper();
        String text = Files.readString(file, StandardCharsets.UTF_8).strip();
        List<JsonNode> nodes = new ArrayList<>();
        if (text.startsWith("[")) {
            mapper.readTree(text).forEach(nodes::add);
        } else {
            int line = 0;
            for (String s : text.split("\n")) {
                line++;
                if (s.isBlank()) {
                    continue;
                }
                try {
                    nodes.add(mapper.readTree(s));
                } catch (IOException e) {
                    throw new IOException(file + " line " + line + ": not a JSON object (" + e.getMessage()
                            + ")", e);
                }
            }
        }
        List<TofuItem> out = new ArrayList<>();
        for (int i = 0; i < nodes.size() && (limit <= 0 || out.size() < limit); i++) {
            out.add(of(nodes.get(i), file + " record " + (i + 1)));
        }
        if (out.isEmpty()) {
            throw new IOException(file + ": no records");
        }
        return out;
    }

    static TofuItem of(JsonNode n, String where) throws IOException {
        String q = text(n, "question", where, true);
        String a = text(n, "answer", where, true);
        String para = text(n, "paraphrased_answer", where, false);
        List<String> pert = new ArrayList<>();
        JsonNode p = n.get("perturbed_answer");
        if (p != null && p.isArray()) {
            p.forEach(x -> pert.add(x.asText()));
        } else if (p != null && p.isTextual()) {
            pert.add(p.asText());
        }
        return new TofuItem(q, a, para, pert);
    }

    private static String text(JsonNode n, String field, String where, boolean required) throws IOException {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new IOException(where + ": missing field \"" + field + "\"");
            }
            return null;
        }
        return v.asText();
    }
}
