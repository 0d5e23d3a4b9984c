package dev.lethe.examples.lume;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.eval.semeval.LumeItem;
import dev.lethe.eval.semeval.LumeSubset;
import dev.lethe.eval.semeval.SemEvalFiles;
import dev.lethe.examples.demo.DemoData;
import dev.lethe.transformer.tokenizer.Llama2cTokenizerBin;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The LUME study's data, shipped inside the jar (see SOURCE.md beside it) and written out to a folder on first use so
 * every component reads plain files: the subset's forget.jsonl and retain.jsonl, the MIA documents (member.jsonl: the
 * forget documents; nonmember.jsonl: documents no model of the study sees), the demo's "I don't know" answers (for
 * IdkDPO/IdkNLL) and tokenizer.json: the demo's 512-token tokenizer with a post-processor that puts {@code <s>} in
 * front of the text when special tokens are asked for, as Llama's tokenizers do, so the SemEval protocol (tokenise the
 * input with the tokenizer's special tokens) gives the prompts the models were trained on.
 */
public record LumeData(Path dir) {
    static final List<String> FILES = List.of("forget.jsonl", "retain.jsonl", "member.jsonl", "nonmember.jsonl",
            "SOURCE.md", "LICENSE", "NOTICE");

    /** Copies the shipped files into {@code dir} (overwriting stale copies). */
    public static LumeData materialize(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String f : FILES) {
            try (InputStream in = LumeData.class.getResourceAsStream(f)) {
                if (in == null) {
                    throw new IOException("LUME resource " + f + " is missing from the jar; rebuild with mvn install");
                }
                write(dir, f, in.readAllBytes());
            }
        }
        Path demo = Files.createTempDirectory(dir, "demo-data");
        try {
            DemoData d = DemoData.materialize(demo);
            write(dir, "idontknow.jsonl", Files.readAllBytes(d.idk()));
            write(dir, "tokenizer.json", withBos(Files.readString(d.tokenizer(), StandardCharsets.UTF_8))
                    .getBytes(StandardCharsets.UTF_8));
        } finally {
            try (var s = Files.walk(demo)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        return new LumeData(dir);
    }

    /** Writes then renames, so a concurrent run never reads or trips over a half-written copy. */
    private static void write(Path dir, String name, byte[] bytes) throws IOException {
        Path tmp = Files.createTempFile(dir, name, ".tmp");
        Files.write(tmp, bytes);
        Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * A tokenizer.json text with a TemplateProcessing post-processor adding {@code <s>} before a sequence (and before
     * each of a pair); refuses a tokenizer without {@code <s>} or that already has a post-processor.
     */
    static String withBos(String tokenizerJson) throws IOException {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = (ObjectNode) m.readTree(tokenizerJson);
        if (!root.path("post_processor").isNull() && !root.path("post_processor").isMissingNode()) {
            throw new IllegalArgumentException("the demo tokenizer already has a post-processor; the LUME study"
                    + " expects none (it adds <s> itself)");
        }
        int bos = -1;
        for (var t : root.path("added_tokens")) {
            if (t.path("content").asText().equals("<s>")) {
                bos = t.path("id").asInt();
            }
        }
        if (bos < 0) {
            throw new IllegalArgumentException("the demo tokenizer has no <s> token");
        }
        root.set("post_processor", Llama2cTokenizerBin.bosPostProcessor(bos));
        return m.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    }

    public Path forget() {
        return dir.resolve("forget.jsonl");
    }

    public Path retain() {
        return dir.resolve("retain.jsonl");
    }

    /** The official-format MIA members (the forget documents). */
    public Path members() {
        return dir.resolve("member.jsonl");
    }

    /** The official-format MIA non-members (documents no model of the study is trained on). */
    public Path nonMembers() {
        return dir.resolve("nonmember.jsonl");
    }

    public Path idk() {
        return dir.resolve("idontknow.jsonl");
    }

    public Path tokenizer() {
        return dir.resolve("tokenizer.json");
    }

    /** The documents and MIA texts one study run uses. */
    public record Sets(List<LumeSubset.Document> forget, List<LumeSubset.Document> retain, List<String> members,
                       List<String> nonMembers) {
        public List<LumeItem> forgetItems() {
            return items(forget);
        }

        public List<LumeItem> retainItems() {
            return items(retain);
        }

        private static List<LumeItem> items(List<LumeSubset.Document> docs) {
            List<LumeItem> out = new ArrayList<>();
            docs.forEach(d -> out.addAll(d.items()));
            return out;
        }
    }

    /**
     * Reads the subset, checks it (documents whole, no document in two sets, member.jsonl = the forget documents, no
     * non-member among the trained documents) and keeps the first {@code forgetDocs}, {@code retainDocs} and
     * {@code holdoutDocs} documents of each set (0 = all; tests use a few).
     */
    public Sets load(int forgetDocs, int retainDocs, int holdoutDocs) throws IOException {
        List<LumeSubset.Document> f = LumeSubset.readDocuments(forget());
        List<LumeSubset.Document> r = LumeSubset.readDocuments(retain());
        List<SemEvalFiles.MiaDocument> members = SemEvalFiles.readMiaDocuments(members());
        List<SemEvalFiles.MiaDocument> non = SemEvalFiles.readMiaDocuments(nonMembers());
        if (members.size() != f.size()) {
            throw new IllegalArgumentException(members() + ": " + members.size() + " documents, but forget.jsonl has "
                    + f.size() + "; the members must be the forget documents");
        }
        for (int i = 0; i < f.size(); i++) {
            if (!members.get(i).id().equals(f.get(i).id()) || !members.get(i).document().equals(f.get(i).text())) {
                throw new IllegalArgumentException(members() + " line " + (i + 1) + " is not forget document "
                        + f.get(i).id() + " and its text");
            }
        }
        Map<String, List<LumeSubset.Document>> sets = new LinkedHashMap<>();
        sets.put("forget", f);
        sets.put("retain", r);
        LumeSubset.check(sets);
        Map<String, String> trained = new HashMap<>();
        for (LumeSubset.Document d : f) {
            trained.put(d.id(), d.text());
        }
        for (LumeSubset.Document d : r) {
            trained.put(d.id(), d.text());
        }
        for (SemEvalFiles.MiaDocument n : non) {
            if (trained.containsKey(n.id()) || trained.containsValue(n.document())) {
                throw new IllegalArgumentException(nonMembers() + ": document " + n.id() + " is also a forget or retain"
                        + " document; non-members must be documents no model is trained on");
            }
        }
        f = first(f, forgetDocs);
        r = first(r, retainDocs);
        List<String> nonTexts = first(non.stream().map(SemEvalFiles.MiaDocument::document).toList(), holdoutDocs);
        return new Sets(f, r, f.stream().map(LumeSubset.Document::text).toList(), nonTexts);
    }

    private static <T> List<T> first(List<T> l, int n) {
        return n <= 0 || n >= l.size() ? l : List.copyOf(l.subList(0, n));
    }
}
