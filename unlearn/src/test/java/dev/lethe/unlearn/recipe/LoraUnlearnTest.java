package dev.lethe.unlearn.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.engine.io.CheckpointReader;
import dev.lethe.transformer.model.LoraAdapter;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import dev.lethe.unlearn.data.Batch;
import dev.lethe.unlearn.data.QaRecord;
import dev.lethe.unlearn.job.UnlearnJob;
import dev.lethe.unlearn.objective.ObjectiveEvaluation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Unlearning through a LoRA adapter (lora_rank > 0) on the llama fixture with 8 TOFU forget and 8 retain records:
 * NPO (plain weighted sum), NPO+SAM, PDU (primal-dual) and BLUR-NPO (bi-level) each run 5 steps, move their forget
 * objective down, leave every base weight bit-identical and write a PEFT adapter (no full model); a run killed after
 * its checkpoint and rerun ends with the same adapter bytes as an uninterrupted one (dropout on), and so does a run
 * with activation recomputation; lora_rank < 0 and a target regex matching no layer are refused.
 */
class LoraUnlearnTest {
    @TempDir
    Path tmp;

    private static final Path DIR = SharedFiles.path("fixtures/hf/llama");

    private static List<QaRecord> records(String file) throws Exception {
        return QaRecord.read(SharedFiles.path("data/tofu/" + file)).subList(0, 8);
    }

    private static Settings settings(Recipe recipe, String... extra) {
        List<String> sets = new ArrayList<>(List.of("lr=1e-3", "warmup_epochs=0", "batch_size=2", "max_steps=5",
                "epochs=3", "max_length=64", "lora_rank=4", "lora_alpha=8"));
        sets.addAll(List.of(extra));
        return recipe.settings().with(sets);
    }

    @ParameterizedTest
    @ValueSource(strings = {"npo", "npo-sam", "pdu", "blur-npo"})
    void adapterRunsMoveTheForgetObjectiveAndKeepTheBase(String name) throws Exception {
        CausalLM model = CausalLM.load(DIR);
        CausalLM original = model.frozenCopy();
        List<QaRecord> forget = records("forget01.json");
        List<QaRecord> retain = records("retain99.json");
        Recipe recipe = Recipes.get(name);
        Settings s = settings(recipe);
        try (Tokenizer tok = Tokenizers.load(DIR)) {
            Plan plan = recipe.plan(s, model.config());
            Map<String, Batch> full = RecipeSmokeTest.fullBatches(tok, s, forget, retain,
                    UnlearnJob.readIdk(SharedFiles.path("data/tofu/idontknow.jsonl")));
            double before = ObjectiveEvaluation.evaluate(plan.objectives().get("forget"), model, original, full).loss();
            UnlearnJob.Result r = UnlearnJob.run(new UnlearnJob.Inputs(model, tok, forget, retain, List.of(), recipe,
                    s, tmp.resolve(name), false, null));
            assertThat(r.outcome().steps()).isEqualTo(5);
            assertThat(r.settings().string("trainable")).contains("lora_");
            assertThat(model.adapter()).isNotNull();
            double after = ObjectiveEvaluation.evaluate(plan.objectives().get("forget"), model, original, full).loss();
            assertThat(after).as("%s forget objective %s -> %s", name, before, after).isLessThan(before);
            model.weights().forEach((k, w) -> assertThat(w.data().asFloat()).as(k)
                    .containsExactly(original.weights().get(k).data().asFloat()));
            assertThat(r.out().resolve("adapter_config.json")).exists();
            assertThat(r.out().resolve("adapter_model.safetensors")).exists();
            assertThat(r.out().resolve("model.safetensors")).doesNotExist();
            CausalLM reloaded = CausalLM.load(DIR);
            reloaded.attach(LoraAdapter.load(r.out(), reloaded));
            assertThat(ObjectiveEvaluation.evaluate(plan.objectives().get("forget"), reloaded, original, full).loss())
                    .isEqualTo(after);
        }
    }

    @Test
    void resumeWithAnAdapterIsBitExact() throws Exception {
        Recipe recipe = Recipes.get("npo");
        Settings s = settings(recipe, "max_steps=6", "lora_dropout=0.1");
        List<QaRecord> forget = records("forget01.json");
        List<QaRecord> retain = records("retain99.json");
        try (Tokenizer tok = Tokenizers.load(DIR)) {
            UnlearnJob.run(new UnlearnJob.Inputs(CausalLM.load(DIR), tok, forget, retain, List.of(), recipe, s,
                    tmp.resolve("straight"), false, null));
            Path killed = tmp.resolve("killed");
            // 8 records / batch 2 = 4 steps per epoch: the checkpoint is written at step 4; die at step 5
            assertThatThrownBy(() -> UnlearnJob.run(new UnlearnJob.Inputs(CausalLM.load(DIR), tok, forget, retain,
                    List.of(), recipe, s, killed, false, line -> {
                        if (((Number) line.get("step")).longValue() == 5) {
                            throw new IllegalStateException("killed");
                        }
                    }))).hasMessage("killed");
            assertThat(killed.resolve("checkpoint.safetensors")).exists();
            UnlearnJob.run(new UnlearnJob.Inputs(CausalLM.load(DIR), tok, forget, retain, List.of(), recipe, s, killed,
                    false, null));
        }
        try (CheckpointReader a = CheckpointReader.open(tmp.resolve("straight/adapter_model.safetensors"));
             CheckpointReader b = CheckpointReader.open(tmp.resolve("killed/adapter_model.safetensors"))) {
            assertThat(b.names()).containsExactlyElementsOf(a.names()).hasSize(28);
            for (String n : a.names()) {
                INDArray x = a.readStored(n);
                assertThat(b.readStored(n).data().asBytes()).as(n).isEqualTo(x.data().asBytes());
            }
        }
        assertThat(Files.readAllLines(tmp.resolve("killed/metrics.jsonl"))).hasSize(6);
    }

    @Test
    void recomputationLeavesTheTrainedAdapterBitIdentical() throws Exception {
        Recipe recipe = Recipes.get("npo");
        List<QaRecord> forget = records("forget01.json");
        List<QaRecord> retain = records("retain99.json");
        try (Tokenizer tok = Tokenizers.load(DIR)) {
            for (String r : List.of("false", "true")) {
                UnlearnJob.run(new UnlearnJob.Inputs(CausalLM.load(DIR), tok, forget, retain, List.of(), recipe,
                        settings(recipe, "max_steps=3", "recompute=" + r), tmp.resolve("recompute-" + r), false, null));
            }
        }
        try (CheckpointReader a = CheckpointReader.open(tmp.resolve("recompute-false/adapter_model.safetensors"));
             CheckpointReader b = CheckpointReader.open(tmp.resolve("recompute-true/adapter_model.safetensors"))) {
            for (String n : a.names()) {
                assertThat(b.readStored(n).data().asBytes()).as(n).isEqualTo(a.readStored(n).data().asBytes());
            }
        }
    }

    @Test
    void badLoraSettingsAreRefused() throws Exception {
        Recipe recipe = Recipes.get("npo");
        try (Tokenizer tok = Tokenizers.load(DIR)) {
            assertThatThrownBy(() -> UnlearnJob.run(new UnlearnJob.Inputs(CausalLM.load(DIR), tok,
                    records("forget01.json"), records("retain99.json"), List.of(), recipe,
                    settings(recipe, "lora_rank=-1"), tmp.resolve("a"), false, null))).hasMessageContaining("lora_rank");
            assertThatThrownBy(() -> UnlearnJob.run(new UnlearnJob.Inputs(CausalLM.load(DIR), tok,
                    records("forget01.json"), records("retain99.json"), List.of(), recipe,
                    settings(recipe, "lora_target=.*\\.attn_q"), tmp.resolve("b"), false, null)))
                    .hasMessageContaining("match no linear layer");
        }
    }
}
