package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScoreCommandTest {

    @TempDir
    Path tmp;

    @Test
    void rougeLinesByHand() throws Exception {
        Path in = tmp.resolve("in.jsonl");
        Files.writeString(in, "{\"prediction\": \"The cats sat on the mat\", \"reference\": \"the cat sat\"}\n\n"
                + "{\"prediction\": \"\", \"reference\": \"x y\"}\n");
        CliRun r = CliRun.of("score", "rouge", "--input", in.toString());
        assertThat(r.code()).as(r.err()).isZero();
        String[] lines = r.out().strip().split("\n");
        assertThat(lines).hasSize(2);
        ObjectMapper m = new ObjectMapper();
        JsonNode a = m.readTree(lines[0]);
        // stemmed tokens: pred [the cat sat on the mat], ref [the cat sat]; LCS 3: R = 3/3, P = 3/6, F = 2/3
        assertThat(a.get("rouge1_recall").asDouble()).isEqualTo(1.0);
        assertThat(a.get("rougeL_recall").asDouble()).isEqualTo(1.0);
        assertThat(a.get("rougeL_f1").asDouble()).isCloseTo(2.0 / 3, within(1e-15));
        JsonNode b = m.readTree(lines[1]);
        assertThat(b.get("rougeL_recall").asDouble()).isEqualTo(0.0);
        assertThat(b.get("rougeL_f1").asDouble()).isEqualTo(0.0);
    }

    @Test
    void badLinesAndMetricsAreNamed() throws Exception {
        Path in = tmp.resolve("bad.jsonl");
        Files.writeString(in, "{\"prediction\": \"a\"}\n");
        CliRun r = CliRun.of("score", "rouge", "--input", in.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("line 1", "\"reference\"");
        assertThat(CliRun.of("score", "bleu", "--input", in.toString()).err()).contains("available: rouge");
    }
}
