package dev.lethe.aidsafe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.unlearn.data.PreferenceRecord;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Training data from a generated folder: DPO pairs in the {@code prompt}/{@code chosen}/{@code rejected} layout
 * {@link dev.lethe.unlearn.job.DpoJob} reads (chosen: the refined chain of thought and its response; rejected: the
 * belief-augmented chain of thought and its response; a pair whose two sides are the same text is dropped), and SFT
 * records ({@code question}/{@code answer}, what {@code lethe finetune} reads) of the selected rows. Both sides are
 * written as {@link #target}.
 */
public final class PreferencePairs {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Pairs and SFT records of a folder, and how many rows had no distinct rejected side. */
    public record Result(List<PreferenceRecord> pairs, List<Map<String, String>> sft, int dropped) {
    }

    private PreferencePairs() {
    }

    /** The training text of a chain of thought and its response. */
    public static String target(String thoughts, String response) {
        return "Thoughts: " + thoughts.strip() + "\nResponse: " + response.strip();
    }

    public static Result read(Path dir) throws IOException {
        Path rows = dir.resolve("rows.jsonl");
        if (!Files.isRegularFile(rows)) {
            throw new IllegalArgumentException(dir + ": no rows.jsonl; run 'lethe aidsafe generate --out " + dir
                    + "' first");
        }
        Map<String, JsonNode> rejected = new LinkedHashMap<>();
        for (JsonNode n : AidsafeDataset.readRepaired(dir.resolve("rejected.jsonl"))) {
            rejected.put(n.path("prompt").asText(), n); // the last record of a prompt wins
        }
        List<PreferenceRecord> pairs = new ArrayList<>();
        List<Map<String, String>> sft = new ArrayList<>();
        int dropped = 0;
        for (JsonNode n : AidsafeDataset.readRepaired(rows)) {
            String prompt = n.path("prompt").asText();
            String chosen = target(n.path("refined_thoughts").asText(), n.path("response").asText());
            Map<String, String> qa = new LinkedHashMap<>();
            qa.put("question", prompt);
            qa.put("answer", chosen);
            sft.add(qa);
            JsonNode r = rejected.get(prompt);
            if (r == null) {
                throw new IllegalArgumentException(dir.resolve("rejected.jsonl") + ": no rejected record for prompt '"
                        + prompt + "'; rerun generate on the same folder");
            }
            String rej = target(r.path("rejected_thoughts").asText(), r.path("rejected_response").asText());
            if (rej.equals(chosen)) {
                dropped++;
                continue;
            }
            pairs.add(new PreferenceRecord(prompt, chosen, rej));
        }
        return new Result(pairs, sft, dropped);
    }

    /** Writes the pairs as JSON lines (prompt, chosen, rejected) and, when sftOut is not null, the SFT records. */
    public static Result write(Path dir, Path pairsOut, Path sftOut) throws IOException {
        Result r = read(dir);
        List<Object> p = new ArrayList<>(r.pairs());
        writeLines(pairsOut, p);
        if (sftOut != null) {
            writeLines(sftOut, new ArrayList<>(r.sft()));
        }
        return r;
    }

    private static void writeLines(Path file, List<Object> items) throws IOException {
        if (file.toAbsolutePath().getParent() != null) {
            Files.createDirectories(file.toAbsolutePath().getParent());
        }
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (Object o : items) {
                w.write(JSON.writeValueAsString(o));
                w.write('\n');
            }
        }
    }
}
