package dev.lethe.unlearn.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lethe.engine.Tape;
import dev.lethe.engine.io.CheckpointReader;
import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.model.LoraAdapter;
import dev.lethe.transformer.model.TokenBatch;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import dev.lethe.unlearn.data.QaRecord;
import dev.lethe.unlearn.job.UnlearnJob;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The setting {@code base_dtype=bf16} in a LoRA NPO run (llama fixture, 8 TOFU forget and retain records, 3 steps):
 * the trained adapter is byte-identical to the one trained on a float32 model whose adapted weights were rounded to
 * bf16 (so every LoRA gradient was unchanged), and it loads onto the original float32 model (the recorded checksum is
 * the float32 base's); base_dtype without an adapter, an unknown value, and a trainable regex selecting a 16-bit base
 * weight are refused.
 */
class SixteenBitBaseUnlearnTest {
    @TempDir
    Path tmp;

    private static final Path DIR = SharedFiles.path("fixtures/hf/llama");

    private static List<QaRecord> records(String file) throws Exception {
        return QaRecord.read(SharedFiles.path("data/tofu/" + file)).subList(0, 8);
    }

    private static Settings settings(Recipe recipe, String... extra) {
        List<String> sets = new ArrayList<>(List.of("lr=1e-3", "warmup_epochs=0", "batch_size=2", "max_steps=3",
                "epochs=3", "max_length=64", "lora_rank=4", "lora_alpha=8"));
        sets.addAll(List.of(extra));
        return recipe.settings().with(sets);
    }

    private void run(CausalLM model, Settings s, String out) throws Exception {
        Recipe recipe = Recipes.get("npo");
        try (Tokenizer tok = Tokenizers.load(DIR)) {
            UnlearnJob.run(new UnlearnJob.Inputs(model, tok, records("forget01.json"), records("retain99.json"),
                    List.of(), recipe, s, tmp.resolve(out), false, null));
        }
    }

    @Test
    void bf16BaseTrainsTheSameAdapterAsTheRoundedFloat32Base() throws Exception {
        Recipe npo = Recipes.get("npo");
        CausalLM narrow = CausalLM.load(DIR);
        run(narrow, settings(npo, "base_dtype=bf16"), "bf16");
        assertThat(narrow.sixteenBitWeights()).hasSize(14);
        narrow.sixteenBitWeights().forEach(w -> assertThat(narrow.weights().get(w).dataType()).as(w)
                .isEqualTo(DataType.BFLOAT16));
        narrow.sixteenBitWeights().forEach(w -> assertThat(narrow.parameters().get(w).requiresGrad()).as(w).isFalse());
        try (Tape t = Tape.recording()) {
            assertThat(narrow.forward(t, new TokenBatch(new int[] {1, 2, 3}, 1, 3, new int[] {1, 1, 1}, null))
                    .logits().shape()).containsExactly(1, 3, 512);
        }
        CausalLM rounded = CausalLM.load(DIR);
        for (String w : narrow.sixteenBitWeights()) {
            INDArray v = rounded.weights().get(w);
            v.assign(v.castTo(DataType.BFLOAT16).castTo(DataType.FLOAT));
        }
        run(rounded, settings(npo), "rounded");
        run(CausalLM.load(DIR), settings(npo), "float32");
        try (CheckpointReader a = CheckpointReader.open(tmp.resolve("bf16/adapter_model.safetensors"));
             CheckpointReader b = CheckpointReader.open(tmp.resolve("rounded/adapter_model.safetensors"));
             CheckpointReader c = CheckpointReader.open(tmp.resolve("float32/adapter_model.safetensors"))) {
            assertThat(a.names()).containsExactlyElementsOf(b.names()).hasSize(28);
            boolean roundingMatters = false;
            for (String n : a.names()) {
                byte[] x = a.readStored(n).data().asBytes();
                assertThat(x).as(n).isEqualTo(b.readStored(n).data().asBytes());
                roundingMatters |= !java.util.Arrays.equals(x, c.readStored(n).data().asBytes());
            }
            assertThat(roundingMatters).as("bf16 rounding changes the trained adapter").isTrue();
        }
        CausalLM original = CausalLM.load(DIR);
        original.attach(LoraAdapter.load(tmp.resolve("bf16"), original));
        assertThat(original.adapter().targetWeights()).hasSize(14);
    }

    @Test
    void badBaseDtypeSettingsAreRefused() {
        Recipe npo = Recipes.get("npo");
        assertThatThrownBy(() -> run(CausalLM.load(DIR), settings(npo, "lora_rank=0", "base_dtype=bf16"), "a"))
                .hasMessageContaining("base_dtype=bf16 needs a LoRA adapter (set lora_rank > 0)");
        assertThatThrownBy(() -> run(CausalLM.load(DIR), settings(npo, "base_dtype=int8"), "b"))
                .hasMessageContaining("base_dtype must be float32, bf16 or f16, got 'int8'");
        assertThatThrownBy(() -> run(CausalLM.load(DIR), settings(npo, "base_dtype=f16", "trainable=.*q_proj.*"), "c"))
                .hasMessageContaining("selects model.layers.0.self_attn.q_proj.weight");
    }
}
