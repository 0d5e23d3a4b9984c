package dev.lethe.examples.lume;

import dev.lethe.eval.semeval.LumeSubset;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.eval.semeval.LumeItem;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import dev.lethe.unlearn.data.QaRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped LUME subset: whole documents, no document in two sets, members = forget documents, and its cut. */
class LumeDataTest {
    @TempDir
    Path tmp;

    static LumeSubset.Line line(String id, String task) {
        String text = "{\"id\": \"" + id + "\", \"input\": \"in " + id + "\", \"output\": \"out " + id
                + "\", \"task\": \"" + task + "\"}";
        return new LumeSubset.Line(text, new LumeItem(id, "in " + id, "out " + id, task));
    }

    @Test
    void documentIdIsTheRecordIdWithoutItsKindAndNumber() {
        assertThat(LumeSubset.documentId("df8d2304-fb26sc1")).isEqualTo("df8d2304-fb26");
        assertThat(LumeSubset.documentId("df8d2304-fb26qa4")).isEqualTo("df8d2304-fb26");
        assertThat(LumeSubset.documentId("\"8f24c511\"qa0")).isEqualTo("\"8f24c511\"");
        assertThat(LumeSubset.documentId("abcqa12")).isEqualTo("abc");
        assertThatThrownBy(() -> LumeSubset.documentId("df8d2304")).hasMessageContaining("sc<k> or qa<k>");
        assertThatThrownBy(() -> LumeSubset.documentId("qa1")).hasMessageContaining("sc<k> or qa<k>");
    }

    @Test
    void recordsGroupIntoDocumentsInFileOrderEvenWhenInterleaved() {
        List<LumeSubset.Document> docs = LumeSubset.documents(List.of(line("bsc1", "Task2"), line("aqa0", "Task2"),
                line("bqa0", "Task2"), line("asc1", "Task2"), line("bqa1", "Task2")));
        assertThat(docs).extracting(LumeSubset.Document::id).containsExactly("b", "a");
        assertThat(docs.get(0).items()).extracting(LumeItem::id).containsExactly("bsc1", "bqa0", "bqa1");
        assertThat(docs.get(1).text()).isEqualTo("in asc1 out asc1");
        assertThatThrownBy(() -> LumeSubset.documents(List.of(line("xsc1", "Task1"), line("xqa0", "Task2"))))
                .hasMessageContaining("two tasks");
    }

    @Test
    void checkRefusesADocumentInTwoSetsOrWithoutBothKinds() {
        List<LumeSubset.Document> a = LumeSubset.documents(List.of(line("asc1", "Task2"), line("aqa0", "Task2")));
        List<LumeSubset.Document> b = LumeSubset.documents(List.of(line("bsc1", "Task2"), line("bqa0", "Task2")));
        List<LumeSubset.Document> onlySc = LumeSubset.documents(List.of(line("csc1", "Task2")));
        Map<String, List<LumeSubset.Document>> sets = new LinkedHashMap<>();
        sets.put("forget", a);
        sets.put("retain", a);
        assertThatThrownBy(() -> LumeSubset.check(sets)).hasMessageContaining("is in forget and in retain");
        sets.put("retain", b);
        LumeSubset.check(sets);
        sets.put("holdout", onlySc);
        assertThatThrownBy(() -> LumeSubset.check(sets)).hasMessageContaining("lacks a qa record");
        sets.put("holdout", List.of());
        assertThatThrownBy(() -> LumeSubset.check(sets)).hasMessageContaining("no holdout documents");
    }

    @Test
    void shippedSubsetIsWholeDisjointTask2Documents() throws Exception {
        LumeData data = LumeData.materialize(tmp.resolve("data"));
        LumeData.Sets s = data.load(0, 0, 0);
        assertThat(s.forget()).hasSize(LumeSubset.FORGET_DOCS);
        assertThat(s.retain()).hasSize(LumeSubset.RETAIN_DOCS);
        assertThat(s.nonMembers()).hasSize(LumeSubset.HOLDOUT_DOCS);
        // Task2 documents: one sentence completion and five questions each, kept together
        assertThat(s.forgetItems()).hasSize(6 * LumeSubset.FORGET_DOCS);
        assertThat(s.retainItems()).hasSize(6 * LumeSubset.RETAIN_DOCS);
        Set<String> forgetDocs = new HashSet<>();
        for (LumeSubset.Document d : s.forget()) {
            assertThat(d.task()).isEqualTo("Task2");
            assertThat(d.items()).extracting(LumeItem::kind).containsOnly(LumeItem.Kind.SC, LumeItem.Kind.QA)
                    .contains(LumeItem.Kind.SC, LumeItem.Kind.QA);
            forgetDocs.add(d.id());
        }
        for (LumeItem it : s.retainItems()) {
            assertThat(forgetDocs).as("retain record %s belongs to a forget document", it.id())
                    .doesNotContain(LumeSubset.documentId(it.id()));
        }
        Set<String> trainedTexts = new HashSet<>(s.members());
        s.retain().forEach(d -> trainedTexts.add(d.text()));
        for (String n : s.nonMembers()) {
            assertThat(trainedTexts).doesNotContain(n);
        }
        // the members are the whole forget documents: the sentence completion's input and output
        assertThat(s.members().get(0)).startsWith(s.forgetItems().get(0).input())
                .endsWith(s.forgetItems().get(0).output());
        // training records: each document whole, then its five questions with a spaced answer
        List<QaRecord> target = LumeModels.targetRecords(s);
        assertThat(target).hasSize(6 * (LumeSubset.FORGET_DOCS + LumeSubset.RETAIN_DOCS));
        assertThat(target.get(0).question()).isEmpty();
        assertThat(target.get(0).answer()).isEqualTo(s.members().get(0));
        assertThat(target.get(1).answer()).startsWith(" ");
        assertThat(LumeModels.retainRecords(s)).hasSize(6 * LumeSubset.RETAIN_DOCS);
        // limits keep the first documents of each set
        LumeData.Sets few = data.load(2, 3, 1);
        assertThat(few.forget()).containsExactlyElementsOf(s.forget().subList(0, 2));
        assertThat(few.retainItems()).hasSize(18);
        assertThat(few.nonMembers()).containsExactly(s.nonMembers().get(0));
        assertThat(data.idk()).exists();
    }

    @Test
    void theStudyTokenizerPutsBosFirstOnlyWhenSpecialTokensAreAsked() throws Exception {
        LumeData data = LumeData.materialize(tmp.resolve("data"));
        try (Tokenizer tok = Tokenizers.load(data.tokenizer())) {
            int[] with = tok.encode("Tiffi Magenta was born", true);
            int[] without = tok.encode("Tiffi Magenta was born", false);
            assertThat(with[0]).isEqualTo(1);
            assertThat(with).hasSize(without.length + 1);
            assertThat(without[0]).isNotEqualTo(1);
            assertThat(tok.decode(with, true)).isEqualTo(tok.decode(without, true));
        }
    }

    @Test
    void shippedSubsetIsTheDocumentedCutOfTheSharedRelease() throws Exception {
        Path lume = SharedFiles.path("data/lume");
        LumeSubset.cut(lume).write(tmp.resolve("cut"));
        for (String f : List.of("forget.jsonl", "retain.jsonl", "member.jsonl", "nonmember.jsonl")) {
            try (var in = LumeData.class.getResourceAsStream(f)) {
                assertThat(in).as(f).isNotNull();
                assertThat(Files.readAllBytes(tmp.resolve("cut").resolve(f))).as(f).isEqualTo(in.readAllBytes());
            }
        }
        // forget and retain lines are verbatim lines of the release
        Set<String> release = new HashSet<>(Files.readAllLines(lume.resolve("forget.jsonl")));
        release.addAll(Files.readAllLines(lume.resolve("retain.jsonl")));
        for (String f : List.of("forget.jsonl", "retain.jsonl")) {
            assertThat(release).containsAll(Files.readAllLines(tmp.resolve("cut").resolve(f)));
        }
    }
}
