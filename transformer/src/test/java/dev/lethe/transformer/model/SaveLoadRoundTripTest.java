package dev.lethe.transformer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lethe.engine.testing.Exact;
import dev.lethe.transformer.config.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

class SaveLoadRoundTripTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"shared:gpt2", "gemma", "phi"})
    void saveThenLoadIsBitIdentical(String name) throws Exception {
        CausalLM model = CausalLM.load(FamilyParityTest.dir(name));
        Path out = tmp.resolve(name.replace(':', '_'));
        model.save(out);
        CausalLM back = CausalLM.load(out);
        assertThat(back.parameters().keySet()).containsExactlyElementsOf(model.parameters().keySet());
        model.parameters().forEach((k, t) -> Exact.assertBitIdentical(k, t.value(), back.parameters().get(k).value()));
        assertThat(ModelConfig.load(out)).isEqualTo(model.config());
        assertThat(Files.readString(out.resolve("config.json")))
                .isEqualTo(Files.readString(FamilyParityTest.dir(name).resolve("config.json")));
    }

    @Test
    void shardedSaveLoadsBack() throws Exception {
        CausalLM model = CausalLM.load(FamilyParityTest.dir("qwen2"));
        Path out = tmp.resolve("sharded");
        model.save(out, 40_000);
        assertThat(out.resolve("model.safetensors.index.json")).exists();
        CausalLM back = CausalLM.load(out);
        model.parameters().forEach((k, t) -> Exact.assertBitIdentical(k, t.value(), back.parameters().get(k).value()));
    }

    @Test
    void weightsThatDoNotFitTheConfigAreRejected() throws Exception {
        CausalLM model = CausalLM.load(FamilyParityTest.dir("mistral"));
        Map<String, INDArray> w = new LinkedHashMap<>(model.weights());
        w.remove("model.layers.1.mlp.up_proj.weight");
        assertThatThrownBy(() -> new CausalLM(model.config(), w)).hasMessageContaining(
                "model.layers.1.mlp.up_proj.weight");
        Map<String, INDArray> w2 = new LinkedHashMap<>(model.weights());
        w2.put("model.layers.0.mlp.up_proj.weight", w2.get("model.layers.0.mlp.down_proj.weight"));
        assertThatThrownBy(() -> new CausalLM(model.config(), w2)).hasMessageContaining("shape");
    }
}
