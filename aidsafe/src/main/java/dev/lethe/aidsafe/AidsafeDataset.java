package dev.lethe.aidsafe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.lethe.aidsafe.agent.AgentException;
import dev.lethe.aidsafe.agent.AgentUnavailableException;
import dev.lethe.aidsafe.agent.RequestBudget;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Runs the pipeline over a prompt list into an output folder, resumably:
 * <ul>
 * <li>{@code rows.jsonl}: one line per finished prompt with the AIDSAFE dataset's columns {@code prompt},
 * {@code refined_thoughts}, {@code response} and {@code deliberation_log} (a list of {@link LogEntry} objects);</li>
 * <li>{@code rejected.jsonl}: the belief-augmented side ({@code prompt}, {@code belief}, {@code rejected_thoughts},
 * {@code rejected_response}), written just before the row;</li>
 * <li>{@code failures.jsonl}: prompts whose agents replied unusably ({@code prompt}, {@code error}); retried on the
 * next run;</li>
 * <li>{@code rows.csv} on request: rows.jsonl as CSV, the log as JSON text.</li>
 * </ul>
 * Each row is appended and synced to disk as soon as its prompt is done, so a killed run loses at most the prompt in
 * flight; a rerun skips prompts already in rows.jsonl (a half-written last line is dropped first). Prompts are keyed
 * by their text, so a prompt repeated in the input is generated once. An unreachable
 * endpoint stops the run with its error; a spent request budget stops it with {@link Summary#stopped()} set.
 */
public final class AidsafeDataset {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The AIDSAFE dataset's columns, in its order. */
    public static final List<String> COLUMNS = List.of("prompt", "refined_thoughts", "response", "deliberation_log");

    /** What a run did: prompts given, skipped as already done, written, failed, and why it stopped early (or null). */
    public record Summary(int prompts, int skipped, int written, int failed, String stopped) {
    }

    private AidsafeDataset() {
    }

    public static Summary generate(AidsafePipeline pipeline, List<String> prompts, Path out, boolean csv,
            Consumer<String> progress) throws IOException {
        Files.createDirectories(out);
        Path rows = out.resolve("rows.jsonl");
        Path rejected = out.resolve("rejected.jsonl");
        Path failures = out.resolve("failures.jsonl");
        Set<String> done = new LinkedHashSet<>();
        for (JsonNode n : readRepaired(rows)) {
            done.add(n.path("prompt").asText());
        }
        readRepaired(rejected);
        int skipped = 0;
        int written = 0;
        int failed = 0;
        String stopped = null;
        for (String p : prompts) {
            if (done.contains(p)) {
                skipped++;
                continue;
            }
            AidsafeRow row;
            try {
                row = pipeline.run(p);
            } catch (RequestBudget.ExhaustedException e) {
                stopped = e.getMessage();
                break;
            } catch (AgentUnavailableException e) {
                throw e;
            } catch (AgentException e) {
                failed++;
                ObjectNode f = JSON.createObjectNode().put("prompt", p).put("error", e.getMessage());
                append(failures, f);
                progress.accept("failed: " + e.getMessage());
                continue;
            }
            append(rejected, rejectedJson(row));
            append(rows, rowJson(row));
            done.add(p);
            written++;
            progress.accept("prompt " + (skipped + written + failed) + "/" + prompts.size() + ": " + row.stopReason()
                    + " after " + row.rounds() + " round(s)");
        }
        if (csv) {
            writeCsv(rows, out.resolve("rows.csv"));
        }
        return new Summary(prompts.size(), skipped, written, failed, stopped);
    }

    static ObjectNode rowJson(AidsafeRow r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("prompt", r.prompt());
        o.put("refined_thoughts", r.refinedThoughts());
        o.put("response", r.response());
        ArrayNode log = o.putArray("deliberation_log");
        for (LogEntry e : r.deliberationLog()) {
            log.add(JSON.valueToTree(e));
        }
        return o;
    }

    static ObjectNode rejectedJson(AidsafeRow r) {
        return JSON.createObjectNode().put("prompt", r.prompt()).put("belief", r.belief())
                .put("rejected_thoughts", r.rejectedThoughts()).put("rejected_response", r.rejectedResponse());
    }

    /** One JSON object per line, appended and synced in one write. */
    private static void append(Path file, ObjectNode o) throws IOException {
        byte[] line = (JSON.writeValueAsString(o) + "\n").getBytes(StandardCharsets.UTF_8);
        try (FileOutputStream f = new FileOutputStream(file.toFile(), true)) {
            f.write(line);
            f.getFD().sync();
        }
    }

    /**
     * The objects of a JSON-lines file (none when it does not exist), after cutting a half-written last line (no final
     * newline, as a kill mid-write leaves) from the file itself.
     */
    public static List<JsonNode> readRepaired(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        byte[] b = Files.readAllBytes(file);
        int end = b.length;
        while (end > 0 && b[end - 1] != '\n') {
            end--;
        }
        if (end < b.length) {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(end);
            }
        }
        String[] lines = new String(b, 0, end, StandardCharsets.UTF_8).split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            try {
                out.add(JSON.readTree(lines[i]));
            } catch (IOException e) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": not valid JSON; remove the line"
                        + " (its prompt is then generated again)", e);
            }
        }
        return out;
    }

    private static void writeCsv(Path rows, Path csv) throws IOException {
        CsvSchema.Builder sb = CsvSchema.builder();
        COLUMNS.forEach(sb::addColumn);
        List<Map<String, String>> table = new ArrayList<>();
        for (JsonNode n : readRepaired(rows)) {
            Map<String, String> m = new LinkedHashMap<>();
            for (String c : COLUMNS) {
                JsonNode v = n.path(c);
                m.put(c, v.isTextual() ? v.asText() : JSON.writeValueAsString(v));
            }
            table.add(m);
        }
        try (OutputStream os = Files.newOutputStream(csv)) {
            new CsvMapper().writer(sb.build().withHeader()).writeValues(os).writeAll(table);
        }
    }
}
