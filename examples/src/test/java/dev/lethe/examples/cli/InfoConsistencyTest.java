package dev.lethe.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lethe.engine.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lethe info} on hand-made folders whose config.json disagrees with the weights: it still prints the summary,
 * lists each problem on stderr (the same one loading reports) and exits 1; a consistent folder exits 0.
 */
class InfoConsistencyTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** The llama fixture's weights with its config.json changed by {@code edits}. */
    Path folder(String name, Map<String, Object> edits) throws Exception {
        Path src = SharedFiles.path("fixtures/hf/llama");
        Path d = Files.createDirectories(tmp.resolve(name));
        Files.copy(src.resolve("model.safetensors"), d.resolve("model.safetensors"));
        ObjectNode cfg = (ObjectNode) JSON.readTree(src.resolve("config.json").toFile());
        edits.forEach((k, v) -> cfg.set(k, JSON.valueToTree(v)));
        Files.writeString(d.resolve("config.json"), cfg.toString());
        return d;
    }

    @Test
    void hiddenSizeThatDisagreesWithTheTensorsFails() throws Exception {
        Path d = folder("hidden65", Map.of("hidden_size", 65));
        CliRun r = CliRun.of("info", d.toString());
        assertThat(r.code()).isEqualTo(CliErrorHandler.FAILURE);
        assertThat(r.out()).contains("hidden        65").contains("consistency   1 problem (listed on stderr)");
        assertThat(r.err()).contains("lethe: " + d + ": ")
                .contains("parameters have other shapes than config.json implies, e.g. model.embed_tokens.weight has"
                        + " shape [512, 64] but config.json implies [512, 65]")
                .contains("does not load: config.json and the weights disagree");
        // loading the same folder refuses it with the same first problem
        CliRun gen = CliRun.of("generate", "--model", d.toString(), "--prompt-ids", "1", "--max-new-tokens", "1");
        assertThat(gen.code()).isEqualTo(CliErrorHandler.FAILURE);
        assertThat(gen.err()).contains("model.embed_tokens.weight has shape [512, 64] but config.json implies"
                + " [512, 65]");
    }

    @Test
    void missingLayerFailsAndJsonListsTheProblem() throws Exception {
        Path d = folder("layers3", Map.of("num_hidden_layers", 3));
        CliRun r = CliRun.of("info", "--json", d.toString());
        assertThat(r.code()).isEqualTo(CliErrorHandler.FAILURE);
        JsonNode j = JSON.readTree(r.out());
        assertThat(j.get("consistent").asBoolean()).isFalse();
        assertThat(j.get("problems")).hasSize(1);
        // a llama layer has 9 tensors: 2 norms, q, k, v, o, gate, up, down
        assertThat(j.get("problems").get(0).asText()).startsWith("checkpoint lacks 9 parameter(s) the llama config"
                + " requires, e.g. [model.layers.2.");
        assertThat(r.err()).contains("checkpoint lacks 9 parameter(s)");
    }

    @Test
    void extraLayerInTheWeightsFails() throws Exception {
        Path d = folder("layers1", Map.of("num_hidden_layers", 1));
        CliRun r = CliRun.of("info", d.toString());
        assertThat(r.code()).isEqualTo(CliErrorHandler.FAILURE);
        assertThat(r.err()).contains("checkpoint has 9 tensor(s) the llama layout does not use, e.g."
                + " [model.layers.1.");
    }

    @Test
    void consistentFolderPasses() throws Exception {
        CliRun r = CliRun.of("info", "--json", SharedFiles.path("fixtures/hf/llama").toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode j = JSON.readTree(r.out());
        assertThat(j.get("consistent").asBoolean()).isTrue();
        assertThat(j.get("problems")).isEmpty();
        assertThat(r.err()).isEmpty();
    }
}
