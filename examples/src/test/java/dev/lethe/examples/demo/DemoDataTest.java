package dev.lethe.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.unlearn.data.QaRecord;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoDataTest {
    @TempDir
    Path tmp;

    @Test
    void shippedDataIsTofusForgetRetainAndHoldoutAuthorsWithoutOverlap() throws Exception {
        DemoData d = DemoData.materialize(tmp.resolve("data"));
        List<QaRecord> forget = QaRecord.read(d.forget());
        List<QaRecord> retain = QaRecord.read(d.retain());
        List<QaRecord> holdout = QaRecord.read(d.holdout());
        assertThat(forget).hasSize(40);
        assertThat(retain).hasSize(80);
        assertThat(holdout).hasSize(39);
        // every record carries what the truth ratio needs
        for (List<QaRecord> set : List.of(forget, retain, holdout)) {
            for (QaRecord r : set) {
                assertThat(r.paraphrasedAnswer()).isNotBlank();
                assertThat(r.perturbedAnswers()).isNotEmpty();
            }
        }
        Set<String> seen = new HashSet<>();
        for (QaRecord r : forget) {
            seen.add(r.question());
        }
        for (QaRecord r : retain) {
            assertThat(seen.add(r.question())).as("retain question also in forget: %s", r.question()).isTrue();
        }
        for (QaRecord r : holdout) {
            assertThat(seen.add(r.question())).as("holdout question seen in training: %s", r.question()).isTrue();
        }
        assertThat(DemoModels.targetData(d)).hasSize(120);
        assertThat(DemoModels.retainData(d)).hasSize(80);
        // materialising twice (a concurrent or repeated run) leaves complete files
        DemoData again = DemoData.materialize(tmp.resolve("data"));
        assertThat(QaRecord.read(again.forget())).hasSize(40);
    }

    @Test
    void studyTableHasOneRowPerRecipeWithItsNumbers() {
        String md = Study.markdown(List.of(new Study.Row("npo", Map.of("forget_quality", 0.5, "model_utility_retain",
                0.25, "forget_rougeL_recall", 0.125, "mia_loss_auc", 0.75), 0.375, 12.4)), "./lethe study");
        assertThat(md).contains("| npo | 0.500 | 0.250 | 0.125 | 0.750 | 0.375 | 12 |", "Made by `./lethe study`");
    }
}
