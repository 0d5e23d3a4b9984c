package dev.lethe.aidsafe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PoliciesAndTemplatesTest {
    @TempDir
    Path dir;

    @Test
    void policyFileLinesMarkersAndComments() throws Exception {
        Path f = Files.writeString(dir.resolve("p.txt"), "# header\n\n- first\n* second\n3. third\nfourth\n");
        assertThat(Policies.read(f).items()).containsExactly("first", "second", "third", "fourth");
        assertThat(Policies.read(f).numbered()).isEqualTo("1. first\n2. second\n3. third\n4. fourth");
        assertThat(Policies.defaults().items()).hasSize(6);
    }

    @Test
    void emptyPolicyFileIsAClearError() throws Exception {
        Path f = Files.writeString(dir.resolve("empty.txt"), "# only a comment\n\n   \n");
        assertThatThrownBy(() -> Policies.read(f)).hasMessageContaining(f.toString())
                .hasMessageContaining("no policies").hasMessageContaining("one policy per line");
        assertThatThrownBy(() -> Policies.read(dir.resolve("missing.txt"))).hasMessageContaining("no such policy file");
    }

    @Test
    void aUserTemplateReplacesTheBuiltInOne() throws Exception {
        Files.writeString(dir.resolve("refine.txt"), "REFINE {query} / {thoughts}");
        Templates t = Templates.load(dir);
        assertThat(t.fill("refine", Map.of("query", "q", "thoughts", "t", "policies", "p"))).isEqualTo("REFINE q / t");
        assertThat(t.fill("respond", Map.of("query", "q", "thoughts", "t"))).startsWith("User query: q");
    }

    @Test
    void anUnknownPlaceholderNamesTheTemplateFile() throws Exception {
        Path f = Files.writeString(dir.resolve("intents.txt"), "{query} {qeury}");
        assertThatThrownBy(() -> Templates.load(dir).fill("intents", Map.of("query", "q", "policies", "p")))
                .hasMessageContaining(f.toString()).hasMessageContaining("unknown placeholder {qeury}");
    }

    @Test
    void everyBuiltInTemplateFillsWithThePipelinesValues() {
        // all placeholders the built-in templates use are provided by the pipeline (checked by running it)
        ScriptedAgent a = new ScriptedAgent().on(Role.DELIBERATOR, (n, p) -> AidsafePipeline.COMPLETE);
        AidsafeRow row = new AidsafePipeline(a, ScriptedAgent.config(1, 1)).run("q");
        assertThat(a.calls).hasSize(7);
        assertThat(a.calls).allSatisfy(c -> assertThat(c.prompt()).doesNotContain("{"));
        assertThat(row.response()).isEqualTo("responder 1");
    }
}
