package dev.lethe.unlearn.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.transformer.config.ModelConfig;
import dev.lethe.transformer.model.CausalLM;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * RMU's automatic {@code trainable} set is the MLP output projections of the steered layer and the two below it, named
 * as the model's family names them: it selects exactly those parameters of the GPT-2 fixture (Conv1D
 * {@code mlp.c_proj}, not the attention's {@code attn.c_proj}) and of the Llama fixture.
 */
class RmuTrainableTest {
    private static List<String> selected(String family, String... settings) throws Exception {
        ModelConfig c = ModelConfig.load(SharedFiles.path("fixtures/hf/" + family + "/config.json"));
        Recipe rmu = Recipes.get("rmu");
        String regex = rmu.plan(rmu.settings().with(List.of(settings)), c).trainable();
        Pattern p = Pattern.compile(regex);
        return CausalLM.expectedShapes(c).keySet().stream().filter(n -> p.matcher(n).matches()).toList();
    }

    @Test
    void gpt2SelectsItsMlpOutputProjections() throws Exception {
        assertThat(selected("gpt2", "layer=1")).containsExactly("transformer.h.0.mlp.c_proj.weight",
                "transformer.h.1.mlp.c_proj.weight");
        assertThat(selected("gpt2")).as("auto layer on a 2-layer model is layer 0")
                .containsExactly("transformer.h.0.mlp.c_proj.weight");
    }

    @Test
    void llamaSelectsDownProjections() throws Exception {
        assertThat(selected("llama", "layer=1")).containsExactly("model.layers.0.mlp.down_proj.weight",
                "model.layers.1.mlp.down_proj.weight");
    }

    @Test
    void aLayerOutsideTheModelIsRefused() {
        assertThatThrownBy(() -> selected("gpt2", "layer=2")).hasMessageContaining("'layer' must be in [0, 1]");
    }
}
