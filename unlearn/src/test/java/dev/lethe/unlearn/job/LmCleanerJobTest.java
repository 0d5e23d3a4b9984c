package dev.lethe.unlearn.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lethe.engine.ParameterSet;
import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.optim.train.StepRecord;
import dev.lethe.optim.train.StepRecords;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import dev.lethe.unlearn.data.Batch;
import dev.lethe.unlearn.data.QaRecord;
import dev.lethe.unlearn.objective.ObjectiveEvaluation;
import dev.lethe.unlearn.objective.RetainNll;
import dev.lethe.unlearn.recipe.Recipe;
import dev.lethe.unlearn.recipe.Recipes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LMCleaner end to end on the llama fixture: fine-tuning on 4 TOFU forget and 8 retain records (batch 4, 2 epochs = 6
 * steps) with record_steps=6 writes the step records; the lmcleaner recipe then finds the steps whose batches held the
 * forget records (checked against the ids in the record files), removes them, raises the forget NLL and writes the
 * audit. With truncation 0 the result must equal θ − Σ u[t_z] over exactly the two steps that saw the first forget
 * record, bit for bit. Missing records,
 * forget records fine-tuning never saw and steps evicted from a too-small buffer are refused before the model changes.
 */
class LmCleanerJobTest {
    @TempDir
    static Path base;

    @TempDir
    Path tmp;

    static List<QaRecord> forget;
    static List<QaRecord> train;

    @BeforeAll
    static void fineTuneWithStepRecords() throws Exception {
        forget = QaRecord.read(SharedFiles.path("data/tofu/forget01.json")).subList(0, 4);
        train = new ArrayList<>(forget);
        train.addAll(QaRecord.read(SharedFiles.path("data/tofu/retain99.json")).subList(0, 8));
        for (int k : new int[] {6, 2}) {
            Path dir = SharedFiles.path("fixtures/hf/llama");
            try (Tokenizer tok = Tokenizers.load(dir)) {
                FinetuneJob.run(new FinetuneJob.Inputs(CausalLM.load(dir), tok, train, FinetuneJob.defaults().with(List.of(
                        "lr=3e-3", "epochs=2", "batch_size=4", "max_length=64", "record_steps=" + k)),
                        base.resolve("k" + k), false, null));
            }
        }
    }

    private UnlearnJob.Result unlearn(Path model, List<QaRecord> what, String... sets) throws Exception {
        Recipe r = Recipes.get("lmcleaner");
        try (Tokenizer tok = Tokenizers.load(SharedFiles.path("fixtures/hf/llama"))) {
            return UnlearnJob.run(new UnlearnJob.Inputs(CausalLM.load(model), tok, what, List.of(), List.of(), r,
                    r.settings().with(List.of(sets)), tmp.resolve("out"), false, null));
        }
    }

    /** The recorded steps whose batches hold training record 0 (the first forget record). */
    private static List<Long> forgetSteps(StepRecords rec) {
        List<Long> z = new ArrayList<>();
        for (long s : rec.steps()) {
            if (Arrays.stream(rec.read(s).ids()).anyMatch(id -> id == 0)) {
                z.add(s);
            }
        }
        return z;
    }

    @Test
    void truncationZeroSubtractsExactlyTheUpdatesOfTheForgetSteps() throws Exception {
        Path model = base.resolve("k6");
        StepRecords rec = StepRecords.open(model.resolve("step_records"));
        assertThat(rec.steps()).containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
        List<Long> z = forgetSteps(rec);
        assertThat(z).hasSize(2); // once per epoch
        UnlearnJob.Result r = unlearn(model, forget.subList(0, 1), "step_records=" + model.resolve("step_records"), "truncation=0");
        assertThat(r.outcome().steps()).isEqualTo(z.size());
        CausalLM expected = CausalLM.load(model);
        ParameterSet theta = ParameterSet.values(new ArrayList<>(expected.parameters().values()));
        for (long s : z) {
            theta.axpy(1.0, rec.read(s).update().copy().scale(-1.0));
        }
        CausalLM got = CausalLM.load(r.out());
        expected.parameters().forEach((n, p) -> assertThat(got.parameters().get(n).value().ravel().toFloatVector())
                .as(n).containsExactly(p.value().ravel().toFloatVector()));
    }

    @Test
    void propagatedRemovalRaisesTheForgetNllAndWritesTheAudit() throws Exception {
        Path model = base.resolve("k6");
        StepRecords rec = StepRecords.open(model.resolve("step_records"));
        UnlearnJob.Result r = unlearn(model, forget.subList(0, 2), "step_records=" + model.resolve("step_records"),
                "truncation=3", "curvature=fisher");
        List<Long> z = new ArrayList<>();
        TreeSet<Long> collateral = new TreeSet<>();
        for (long s : rec.steps()) {
            StepRecord sr = rec.read(s);
            if (Arrays.stream(sr.ids()).anyMatch(id -> id < 2)) {
                z.add(s);
                Arrays.stream(sr.ids()).filter(id -> id >= 2).forEach(collateral::add);
            }
        }
        JsonNode audit = new ObjectMapper().readTree(r.out().resolve(LmCleanerJob.AUDIT).toFile());
        assertThat(audit.path("records_removed")).hasSize(2);
        assertThat(audit.path("records_removed").get(0).path("question").asText()).isEqualTo(forget.get(0).question());
        List<Long> corrected = new ArrayList<>();
        audit.path("corrections").forEach(c -> corrected.add(c.path("tz").asLong()));
        assertThat(corrected).isEqualTo(z);
        List<Long> reverted = new ArrayList<>();
        audit.path("records_reverted_with_them").forEach(c -> reverted.add(c.asLong()));
        assertThat(reverted).containsExactlyElementsOf(collateral);
        for (JsonNode c : audit.path("corrections")) {
            long k = Math.min(3, 5 - c.path("tz").asLong());
            assertThat(c.path("k_used").asLong()).isEqualTo(k);
            assertThat(c.path("hvp_calls").asLong()).isEqualTo(k);
            assertThat(c.path("step_record_sha256")).hasSize((int) k + 1);
        }
        assertThat(audit.path("parameters_sha256_before").asText())
                .isNotEqualTo(audit.path("parameters_sha256_after").asText());
        try (Tokenizer tok = Tokenizers.load(SharedFiles.path("fixtures/hf/llama"))) {
            var enc = UnlearnJob.encoder(tok, FinetuneJob.defaults().with(List.of("max_length=64")));
            Map<String, Batch> b = Map.of("forget", Batch.collate(enc.encodeAll(forget.subList(0, 2)),
                    UnlearnJob.padId(tok)));
            double before = ObjectiveEvaluation.evaluate(new RetainNll("forget"), CausalLM.load(model), null, b).loss();
            double after = ObjectiveEvaluation.evaluate(new RetainNll("forget"), CausalLM.load(r.out()), null, b)
                    .loss();
            assertThat(after).as("forget NLL %s -> %s", before, after).isGreaterThan(before);
            assertThat(audit.path("forget_nll_before").asDouble()).isCloseTo(before, org.assertj.core.data.Offset
                    .offset(1e-5 * before));
            assertThat(audit.path("forget_nll_after").asDouble()).isCloseTo(after, org.assertj.core.data.Offset
                    .offset(1e-5 * after));
        }
    }

    @Test
    void missingRecordsUnseenForgetRecordsAndEvictedStepsAreRefused() throws Exception {
        Path model = base.resolve("k6");
        assertThatThrownBy(() -> unlearn(model, forget)).hasMessageContaining("step_records=DIR")
                .hasMessageContaining("record_steps=K");
        assertThatThrownBy(() -> unlearn(model, forget, "step_records=" + tmp.resolve("nothing")))
                .hasMessageContaining("nothing").hasMessageContaining("record_steps=K");
        List<QaRecord> unseen = List.of(QaRecord.read(SharedFiles.path("data/tofu/forget01.json")).get(10));
        assertThatThrownBy(() -> unlearn(model, unseen, "step_records=" + model.resolve("step_records")))
                .hasMessageContaining("forget record 1").hasMessageContaining("is not among the fine-tuning records");
        Path small = base.resolve("k2");
        assertThat(StepRecords.open(small.resolve("step_records")).steps()).containsExactly(4L, 5L);
        assertThatThrownBy(() -> unlearn(small, forget, "step_records=" + small.resolve("step_records")))
                .hasMessageContaining("holds only steps 4..5").hasMessageContaining("larger record_steps");
        assertThat(tmp.resolve("out").resolve("model.safetensors")).doesNotExist();
        assertThat(Files.exists(tmp.resolve("out").resolve(LmCleanerJob.AUDIT))).isFalse();
    }
}
