package dev.lethe.unlearn.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lethe.engine.Tensor;
import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.transformer.generate.Generator;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.tokenizer.Tokenizer;
import dev.lethe.transformer.tokenizer.Tokenizers;
import dev.lethe.unlearn.data.AlternateAnswers;
import dev.lethe.transformer.tokenizer.PromptTemplate;
import dev.lethe.unlearn.data.QaRecord;
import dev.lethe.unlearn.job.UndoStage;
import dev.lethe.unlearn.job.UnlearnJob;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** GRU, AltPO, UNDO, LUNAR and SIBL: bad settings and missing data fail before training; their data plumbing does what it says. */
class NewMethodsInputTest {
    @TempDir
    Path tmp;

    private static Plan plan(String recipe, String... sets) throws Exception {
        CausalLM m = CausalLM.load(SharedFiles.path("fixtures/hf/llama"));
        Recipe r = Recipes.get(recipe);
        return r.plan(r.settings().with(List.of(sets)), m.config());
    }

    @Test
    void settingsOutOfRangeAreRefusedWithTheirName() {
        assertThatThrownBy(() -> plan("gru", "gamma_gru=0")).hasMessageContaining("gamma").hasMessageContaining("(0, 1]");
        assertThatThrownBy(() -> plan("gru", "forget_loss=kl")).hasMessageContaining("forget_loss");
        assertThatThrownBy(() -> plan("undo", "noise_alpha=1.5")).hasMessageContaining("noise_alpha");
        assertThatThrownBy(() -> plan("undo", "distill_steps=0")).hasMessageContaining("distill_steps");
        assertThatThrownBy(() -> plan("sibl", "sparsity=1")).hasMessageContaining("sparsity");
        assertThatThrownBy(() -> plan("lunar")).hasMessageContaining("reference_prompts=FILE");
        assertThatThrownBy(() -> plan("lunar", "reference_prompts=x.txt", "layer=1")).hasMessageContaining("'layer'");
    }

    private UnlearnJob.Result altpo(String alternates) throws Exception {
        Path dir = SharedFiles.path("fixtures/hf/llama");
        List<QaRecord> forget = QaRecord.read(SharedFiles.path("data/tofu/forget01.json")).subList(0, 3);
        List<QaRecord> retain = QaRecord.read(SharedFiles.path("data/tofu/retain99.json")).subList(0, 3);
        Recipe r = Recipes.get("altpo");
        try (Tokenizer tok = Tokenizers.load(dir)) {
            return UnlearnJob.run(new UnlearnJob.Inputs(CausalLM.load(dir), tok, forget, retain, List.of(), r,
                    r.settings().with(List.of("alternates=" + alternates, "max_steps=1", "max_length=48")),
                    tmp.resolve("out"), false, null));
        }
    }

    @Test
    void altpoWithoutAlternatesForEveryForgetQuestionFailsBeforeTraining() throws Exception {
        List<QaRecord> forget = QaRecord.read(SharedFiles.path("data/tofu/forget01.json"));
        Path file = tmp.resolve("alts.jsonl");
        AlternateAnswers.write(file, List.of(new AlternateAnswers.Row(forget.get(0).question(), forget.get(0).answer(),
                "Someone else entirely.")));
        assertThatThrownBy(() -> altpo(file.toString())).hasMessageContaining(file.toString())
                .hasMessageContaining(forget.get(1).question()).hasMessageContaining("alternates=generate");
        assertThat(tmp.resolve("out/metrics.jsonl")).doesNotExist();
        assertThatThrownBy(() -> altpo("")).hasMessageContaining("needs alternate answers");
    }

    @Test
    void generatedAlternatesAreSeededAndNeverTheTrueAnswer() throws Exception {
        Path dir = SharedFiles.path("fixtures/hf/llama");
        List<QaRecord> forget = QaRecord.read(SharedFiles.path("data/tofu/forget01.json")).subList(0, 3);
        try (Tokenizer tok = Tokenizers.load(dir)) {
            Generator gen = new Generator(CausalLM.load(dir), tok);
            List<AlternateAnswers.Row> a = AlternateAnswers.generate(gen, PromptTemplate.PLAIN, forget, "question", 2, 8,
                    1.0, 5);
            List<AlternateAnswers.Row> b = AlternateAnswers.generate(gen, PromptTemplate.PLAIN, forget, "question", 2, 8,
                    1.0, 5);
            assertThat(a).isEqualTo(b).isNotEmpty().hasSizeLessThanOrEqualTo(6);
            for (AlternateAnswers.Row r : a) {
                assertThat(forget.stream().map(QaRecord::question)).contains(r.question());
                assertThat(r.alternate()).isNotBlank().isNotEqualTo(r.answer().strip());
            }
            Path file = tmp.resolve("gen.jsonl");
            AlternateAnswers.write(file, a);
            assertThat(AlternateAnswers.read(file)).isEqualTo(a);
        }
    }

    @Test
    void undoNoiseShrinksVectorsAndPerturbsMatricesWithinTheXavierBound() throws Exception {
        CausalLM m = CausalLM.load(SharedFiles.path("fixtures/hf/llama"));
        Map<String, INDArray> before = new LinkedHashMap<>();
        m.parameters().forEach((n, t) -> before.put(n, t.value().dup()));
        double alpha = 0.3;
        double beta = 0.5;
        UndoStage.noise(m, alpha, beta, 1);
        int matrices = 0;
        for (Map.Entry<String, Tensor> e : m.parameters().entrySet()) {
            INDArray w = e.getValue().value();
            INDArray shrunk = before.get(e.getKey()).mul(1 - alpha);
            double dev = w.sub(shrunk).amaxNumber().doubleValue();
            if (w.rank() == 2) {
                double bound = alpha * beta * Math.sqrt(6.0 / (w.size(0) + w.size(1)));
                assertThat(dev).as(e.getKey()).isLessThanOrEqualTo(bound * (1 + 1e-5)).isGreaterThan(bound * 0.5);
                matrices++;
            } else {
                assertThat(dev).as(e.getKey()).isLessThan(1e-6 * Math.max(1, shrunk.amaxNumber().doubleValue()));
            }
        }
        assertThat(matrices).isPositive();
    }
}
