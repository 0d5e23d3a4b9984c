package dev.lethe.transformer.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** T3's guidance head on disk: a bit-identical round trip, and files that disagree are refused naming file and field. */
class GuidanceHeadFilesTest {
    @TempDir
    Path tmp;

    @Test
    void saveThenLoadGivesTheSameBitsAndDecodingDefaults() throws Exception {
        GuidanceHead head = GuidanceHead.init(5, 7, 11, 42);
        GuidanceHeadFiles.save(tmp, head, 2.5, 0.75);
        GuidanceHeadFiles.Saved back = GuidanceHeadFiles.load(tmp);
        assertThat(back.head().hidden()).isEqualTo(5);
        assertThat(back.head().dim()).isEqualTo(7);
        assertThat(back.head().vocab()).isEqualTo(11);
        for (int i = 0; i < head.wIn().length; i++) {
            assertThat(Double.doubleToRawLongBits(back.head().wIn()[i])).isEqualTo(Double.doubleToRawLongBits(
                    head.wIn()[i]));
        }
        for (int i = 0; i < head.wOut().length; i++) {
            assertThat(Double.doubleToRawLongBits(back.head().wOut()[i])).isEqualTo(Double.doubleToRawLongBits(
                    head.wOut()[i]));
        }
        assertThat(back.baseTemperature()).isEqualTo(2.5);
        assertThat(back.guidanceScale()).isEqualTo(0.75);
        // row-major: w_in[k][j] is wIn[k * D + j], so scores computed from the loaded head are the same numbers
        double[] h = {0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7};
        assertThat(back.head().scores(h)).containsExactly(head.scores(h));
        try (var files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                    GuidanceHeadFiles.WEIGHTS, GuidanceHeadFiles.CONFIG);
        }
    }

    @Test
    void missingFilesWrongFormatAndShapeMismatchAreNamed() throws Exception {
        assertThatThrownBy(() -> GuidanceHeadFiles.load(tmp.resolve("none"))).hasMessageContaining("none")
                .hasMessageContaining("./lethe t3 train");
        GuidanceHeadFiles.save(tmp, GuidanceHead.init(3, 4, 6, 1), 1, 1);
        Path cfg = tmp.resolve(GuidanceHeadFiles.CONFIG);
        String good = Files.readString(cfg);
        Files.writeString(cfg, good.replace("\"hidden\" : 3", "\"hidden\" : 2"));
        assertThatThrownBy(() -> GuidanceHeadFiles.load(tmp)).hasMessageContaining(GuidanceHeadFiles.WEIGHTS)
                .hasMessageContaining("'w_in' has shape [3, 4]").hasMessageContaining("[2, 4]");
        Files.writeString(cfg, good.replace("\"vocab\" : 6", "\"vocab\" : -6"));
        assertThatThrownBy(() -> GuidanceHeadFiles.load(tmp)).hasMessageContaining(GuidanceHeadFiles.CONFIG)
                .hasMessageContaining("field 'vocab' must be a positive integer");
        Files.writeString(cfg, good.replace(GuidanceHeadFiles.FORMAT, "other/1"));
        assertThatThrownBy(() -> GuidanceHeadFiles.load(tmp)).hasMessageContaining("field 'format'");
    }
}
