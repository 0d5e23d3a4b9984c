package dev.lethe.eval.mcq;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lethe.engine.io.JsonRecords;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Readers of multiple-choice data: MMLU CSV folders as in ../shared/data/mmlu ({@code dev/<subject>_dev.csv},
 * {@code test/<subject>_test.csv}, header row {@code question,choice0,choice1,choice2,choice3,answer}, 0-based answer)
 * and WMDP-format JSON ({@code [{"question": ..., "choices": [4 strings], "answer": 0..3}, ...]} or one such object
 * per line).
 */
public final class McqData {

    static final List<String> HEADER = List.of("question", "choice0", "choice1", "choice2", "choice3", "answer");

    private McqData() {
    }

    /** The subjects of an MMLU folder's split ("dev" or "test"), sorted. */
    public static List<String> subjects(Path dir, String split) throws IOException {
        Path d = dir.resolve(split);
        if (!Files.isDirectory(d)) {
            throw new IllegalArgumentException(d + ": no such folder; --data must be an MMLU folder with dev/ and"
                    + " test/ holding <subject>_dev.csv and <subject>_test.csv");
        }
        TreeSet<String> out = new TreeSet<>();
        try (Stream<Path> s = Files.list(d)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith("_" + split + ".csv"))
                    .forEach(n -> out.add(n.substring(0, n.length() - split.length() - 5)));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(d + ": no <subject>_" + split + ".csv files");
        }
        return List.copyOf(out);
    }

    /** Items of one MMLU subject and split, in file order. */
    public static List<McqItem> mmlu(Path dir, String subject, String split) throws IOException {
        Path f = dir.resolve(split).resolve(subject + "_" + split + ".csv");
        if (!Files.isRegularFile(f)) {
            throw new IllegalArgumentException(f + ": no such file; unknown subject \"" + subject + "\"? (available: "
                    + String.join(",", subjects(dir, split)) + ")");
        }
        return csv(f, subject);
    }

    /** Items of an MMLU-format CSV with the header row. */
    public static List<McqItem> csv(Path file, String subject) throws IOException {
        List<List<String>> rows = parseCsv(Files.readString(file, StandardCharsets.UTF_8), file);
        if (rows.isEmpty() || !rows.get(0).equals(HEADER)) {
            throw new IllegalArgumentException(file + ": the first row must be the header "
                    + String.join(",", HEADER) + " (0-based answer index); got "
                    + (rows.isEmpty() ? "an empty file" : String.join(",", rows.get(0))));
        }
        List<McqItem> out = new ArrayList<>();
        for (int i = 1; i < rows.size(); i++) {
            List<String> r = rows.get(i);
            if (r.size() == 1 && r.get(0).isEmpty()) {
                continue;
            }
            if (r.size() != 6) {
                throw new IllegalArgumentException(file + " record " + i + ": " + r.size() + " fields, expected 6 ("
                        + String.join(",", HEADER) + ")");
            }
            int a;
            try {
                a = Integer.parseInt(r.get(5).strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(file + " record " + i + ": answer \"" + r.get(5)
                        + "\" is not a 0-based index 0..3");
            }
            if (a < 0 || a > 3) {
                throw new IllegalArgumentException(file + " record " + i + ": answer " + a + " is not in 0..3");
            }
            out.add(new McqItem(subject, r.get(0), r.subList(1, 5), a));
        }
        return out;
    }

    /** WMDP-format items from a JSON array or JSON-lines file. */
    public static List<McqItem> json(Path file, String subject) throws IOException {
        List<McqItem> out = new ArrayList<>();
        for (JsonRecords.Record r : JsonRecords.read(file, "WMDP-format JSON ([{\"question\": ..., \"choices\": [4"
                + " strings], \"answer\": 0..3}] or one such object per line)")) {
            String q = r.text("question");
            JsonNode c = r.node().get("choices");
            JsonNode a = r.node().get("answer");
            if (c == null || !c.isArray() || c.size() != 4) {
                throw new IllegalArgumentException(r.at() + ": field \"choices\" must be an array of 4 strings");
            }
            if (a == null || !a.canConvertToInt() || a.asInt() < 0 || a.asInt() > 3) {
                throw new IllegalArgumentException(r.at() + ": field \"answer\" must be a 0-based index 0..3");
            }
            List<String> ch = new ArrayList<>();
            c.forEach(x -> ch.add(x.asText()));
            out.add(new McqItem(subject, q, ch, a.asInt()));
        }
        return out;
    }

    /** RFC 4180 CSV (quoted fields with doubled quotes and embedded newlines; CRLF or LF line ends). */
    static List<List<String>> parseCsv(String s, Path file) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        boolean quoted = false;
        int i = 0;
        int n = s.length();
        if (n > 0 && s.charAt(0) == '\uFEFF') {
            i = 1;
        }
        boolean any = false;
        for (; i < n; i++) {
            char c = s.charAt(i);
            any = true;
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < n && s.charAt(i + 1) == '"') {
                        f.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    f.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                row.add(f.toString());
                f.setLength(0);
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < n && s.charAt(i + 1) == '\n') {
                    i++;
                }
                row.add(f.toString());
                f.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
                any = false;
            } else {
                f.append(c);
            }
        }
        if (quoted) {
            throw new IllegalArgumentException(file + ": a quoted field is not closed before the end of the file");
        }
        if (any) {
            row.add(f.toString());
            rows.add(row);
        }
        return rows;
    }

    /** subject to items for the given subjects (all when null or empty), each cut to {@code limit} (0: all). */
    public static Map<String, List<McqItem>> mmluTest(Path dir, List<String> subjects, int limit) throws IOException {
        List<String> subs = subjects == null || subjects.isEmpty() ? subjects(dir, "test") : subjects;
        Map<String, List<McqItem>> out = new LinkedHashMap<>();
        for (String s : subs) {
            List<McqItem> items = mmlu(dir, s, "test");
            out.put(s, limit > 0 && items.size() > limit ? items.subList(0, limit) : items);
        }
        return out;
    }
}
