package dev.lethe.eval.semeval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.engine.io.JsonRecords;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Documents of a LUME / SemEval-2025 Task 4 split and the small subset {@code lethe study --benchmark lume} uses.
 * Every record belongs to one document: its id is the document id followed by {@code sc<k>} (a sentence completion
 * whose {@code input} is the start of the document and {@code output} its continuation) or {@code qa<k>} (a question
 * about the document). The subset keeps documents whole and copies their lines verbatim:
 * <ul>
 *   <li>forget: the first {@link #FORGET_DOCS} documents of {@link #TASK} in the release's forget.jsonl;</li>
 *   <li>retain: the first {@link #RETAIN_DOCS} documents of {@link #TASK} in retain.jsonl;</li>
 *   <li>non-members: the next {@link #HOLDOUT_DOCS} documents of {@link #TASK} in forget.jsonl, which no model of the
 *       study is trained on (the non-members of the membership-inference test), as whole documents in the official
 *       MIA format {@code {"id", "document"}} (nonmember.jsonl); the forget documents are the members
 *       (member.jsonl).</li>
 * </ul>
 * {@link #main} cuts it again from a copy of the release (see SOURCE.md beside the shipped files).
 */
public final class LumeSubset {
    /** The LUME task of the subset: short synthetic biographies with fake PII, which a small model can memorise. */
    public static final String TASK = "Task2";
    /**
     * Forget documents (6 records each in Task2: sc1 and qa0..qa4; 48 records, the size of TOFU's forget01). A Task2
     * biography is about 200 tokens of the demo's 512-token tokenizer, and a d128 model needs about 50 epochs to
     * memorise its random digits, which bounds the subset on two cores.
     */
    public static final int FORGET_DOCS = 8;
    /** Retain documents (96 records). */
    public static final int RETAIN_DOCS = 16;
    /** Never-trained documents, the MIA non-members (they cost no training, so there are more of them). */
    public static final int HOLDOUT_DOCS = 16;

    private static final Pattern ITEM_ID = Pattern.compile("(.*)(sc|qa)[0-9]+");
    private static final ObjectMapper JSON = new ObjectMapper();

    private LumeSubset() {
    }

    /** One record: its line as it is in the file and its parsed fields. */
    public record Line(String text, LumeItem item) {
    }

    /** One document: its id (the record ids without {@code sc<k>}/{@code qa<k>}), task and records in file order. */
    public record Document(String id, String task, List<Line> lines) {
        public Document {
            lines = List.copyOf(lines);
        }

        public List<LumeItem> items() {
            return lines.stream().map(Line::item).toList();
        }

        /**
         * The whole document: the {@code input} of its first sentence-completion record followed by its
         * {@code output} (joined by a space, as the release cut them from running text).
         */
        public String text() {
            for (Line l : lines) {
                if (l.item().kind() == LumeItem.Kind.SC) {
                    String in = l.item().input();
                    String out = l.item().output();
                    boolean space = !in.isEmpty() && !out.isEmpty() && !Character.isWhitespace(in.charAt(in.length()
                            - 1)) && !Character.isWhitespace(out.charAt(0));
                    return space ? in + " " + out : in + out;
                }
            }
            throw new IllegalArgumentException("LUME document " + id + " has no sentence-completion (sc) record, so"
                    + " its text is unknown");
        }
    }

    /** The document id of a record id: everything before the trailing {@code sc<k>} or {@code qa<k>}. */
    public static String documentId(String itemId) {
        Matcher m = ITEM_ID.matcher(itemId);
        if (!m.matches() || m.group(1).isEmpty()) {
            throw new IllegalArgumentException("LUME record id \"" + itemId + "\" does not end in sc<k> or qa<k>, so"
                    + " its document is unknown");
        }
        return m.group(1);
    }

    /** The records of a LUME JSONL file with their lines (blank lines skipped). */
    public static List<Line> readLines(Path file) throws IOException {
        List<Line> out = new ArrayList<>();
        for (JsonRecords.Record r : JsonRecords.read(file, LumeItem.FORMAT)) {
            out.add(new Line(r.source(), LumeItem.of(r)));
        }
        return out;
    }

    /** Groups records into documents in order of first appearance; a document spanning two tasks is an error. */
    public static List<Document> documents(List<Line> lines) {
        Map<String, List<Line>> byDoc = new LinkedHashMap<>();
        Map<String, String> task = new LinkedHashMap<>();
        for (Line l : lines) {
            String doc = documentId(l.item().id());
            byDoc.computeIfAbsent(doc, k -> new ArrayList<>()).add(l);
            String prev = task.putIfAbsent(doc, l.item().task());
            if (prev != null && !prev.equals(l.item().task())) {
                throw new IllegalArgumentException("LUME document " + doc + " has records of two tasks (" + prev
                        + " and " + l.item().task() + ")");
            }
        }
        List<Document> out = new ArrayList<>();
        byDoc.forEach((id, ls) -> out.add(new Document(id, task.get(id), ls)));
        return out;
    }

    /** Documents of one file. */
    public static List<Document> readDocuments(Path file) throws IOException {
        return documents(readLines(file));
    }

    /** A cut: forget, retain and never-trained (holdout) documents. */
    public record Subset(List<Document> forget, List<Document> retain, List<Document> holdout) {
        public Subset {
            forget = List.copyOf(forget);
            retain = List.copyOf(retain);
            holdout = List.copyOf(holdout);
            Map<String, List<Document>> sets = new LinkedHashMap<>();
            sets.put("forget", forget);
            sets.put("retain", retain);
            sets.put("holdout", holdout);
            check(sets);
        }

        /** Writes forget.jsonl and retain.jsonl (lines verbatim), member.jsonl and nonmember.jsonl to {@code dir}. */
        public void write(Path dir) throws IOException {
            Files.createDirectories(dir);
            Files.write(dir.resolve("forget.jsonl"), lines(forget), StandardCharsets.UTF_8);
            Files.write(dir.resolve("retain.jsonl"), lines(retain), StandardCharsets.UTF_8);
            Files.write(dir.resolve("member.jsonl"), miaLines(forget), StandardCharsets.UTF_8);
            Files.write(dir.resolve("nonmember.jsonl"), miaLines(holdout), StandardCharsets.UTF_8);
        }

        private static List<String> lines(List<Document> docs) {
            List<String> out = new ArrayList<>();
            docs.forEach(d -> d.lines().forEach(l -> out.add(l.text())));
            return out;
        }

        private static List<String> miaLines(List<Document> docs) throws IOException {
            List<String> out = new ArrayList<>();
            for (Document d : docs) {
                ObjectNode o = JSON.createObjectNode();
                o.put("id", d.id());
                o.put("document", d.text());
                out.add(JSON.writeValueAsString(o));
            }
            return out;
        }
    }

    /**
     * Checks that no document is in two of the named sets (by id and by text), that every document has both a sentence
     * completion and a question (the SemEval scores need both kinds in every task) and that no set is empty.
     */
    public static void check(Map<String, List<Document>> sets) {
        Map<String, String> seen = new LinkedHashMap<>();
        Set<String> texts = new HashSet<>();
        for (Map.Entry<String, List<Document>> e : sets.entrySet()) {
            String name = e.getKey();
            if (e.getValue().isEmpty()) {
                throw new IllegalArgumentException("the LUME subset has no " + name + " documents");
            }
            for (Document d : e.getValue()) {
                String prev = seen.put(d.id(), name);
                if (prev != null) {
                    throw new IllegalArgumentException("LUME document " + d.id() + " is in " + prev + " and in "
                            + name + "; a document must be in one set only");
                }
                if (!texts.add(d.text())) {
                    throw new IllegalArgumentException("LUME document " + d.id() + " (" + name
                            + ") repeats the text of another document of the subset");
                }
                boolean sc = false;
                boolean qa = false;
                for (LumeItem it : d.items()) {
                    sc |= it.kind() == LumeItem.Kind.SC;
                    qa |= it.kind() == LumeItem.Kind.QA;
                }
                if (!sc || !qa) {
                    throw new IllegalArgumentException("LUME document " + d.id() + " (" + name + ") lacks "
                            + (sc ? "a qa" : "an sc") + " record");
                }
            }
        }
    }

    /** The study's cut of a LUME release folder (forget.jsonl and retain.jsonl). */
    public static Subset cut(Path lumeDir) throws IOException {
        return cut(lumeDir, TASK, FORGET_DOCS, RETAIN_DOCS, HOLDOUT_DOCS);
    }

    /** The first {@code forget} + next {@code holdout} documents of {@code task} in forget.jsonl, first retain ones. */
    public static Subset cut(Path lumeDir, String task, int forget, int retain, int holdout) throws IOException {
        List<Document> f = ofTask(readDocuments(lumeDir.resolve("forget.jsonl")), task);
        List<Document> r = ofTask(readDocuments(lumeDir.resolve("retain.jsonl")), task);
        if (f.size() < forget + holdout || r.size() < retain) {
            throw new IllegalArgumentException(lumeDir + ": " + task + " has " + f.size() + " forget and " + r.size()
                    + " retain documents; the cut needs " + (forget + holdout) + " and " + retain);
        }
        return new Subset(f.subList(0, forget), r.subList(0, retain), f.subList(forget, forget + holdout));
    }

    private static List<Document> ofTask(List<Document> docs, String task) {
        return docs.stream().filter(d -> d.task().equals(task)).toList();
    }

    /** {@code LumeSubset LUME_DIR OUT_DIR}: cuts the study's subset from a LUME release folder. */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: LumeSubset LUME_DIR OUT_DIR (LUME_DIR holds the release's"
                    + " forget.jsonl and retain.jsonl)");
        }
        Subset s = cut(Path.of(args[0]));
        s.write(Path.of(args[1]));
        System.out.printf("%d forget, %d retain and %d held-out %s documents written to %s%n", s.forget().size(),
                s.retain().size(), s.holdout().size(), TASK, args[1]);
    }
}
