package dev.lethe.unlearn.objective;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.ParameterSet;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.optim.Rng;
import dev.lethe.optim.rule.Direction;
import dev.lethe.optim.rule.Gru;
import dev.lethe.optim.rule.StepContext;
import dev.lethe.optim.rule.TapeOracle;
import dev.lethe.transformer.io.CheckpointReader;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.unlearn.data.Batch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The methods of issue 21 against an independent PyTorch computation (unlearn/scripts/make_method_fixtures.py,
 * float64, on the gpt2 and llama fixtures; reference model = 0.98 x the model): AltPO's loss (DPO of the alternate over
 * the forget answer + retain NLL), UNDO's distillation, SIBL's forget margin and LUNAR's fit (its direction r at 1e-5 first), value at 1e-5 and gradients at 1e-4 relative; GRU's
 * directions of two consecutive steps (forget = GA, retain = NLL, gamma 0.8, θ moved by 0.05·d1 in between, so the
 * moving average mixes two different retain gradients) at 1e-4 relative, with the projection active in both.
 */
class MethodParityTest {
    private static final String[] BATCHES = {"forget", "retain", "alternate"};

    private record Setup(CausalLM model, CausalLM reference, Map<String, Batch> batches, CheckpointReader fixture) {
    }

    private static Setup setup(String model) throws Exception {
        CausalLM m = CausalLM.load(SharedFiles.path("fixtures/hf/" + model));
        CausalLM reference = m.frozenCopy();
        reference.parameters().values().forEach(p -> p.value().muli(0.98));
        Path file = Path.of(MethodParityTest.class.getResource("/methods/" + model + "_methods.safetensors").toURI());
        CheckpointReader r = CheckpointReader.open(file);
        Map<String, Batch> batches = new LinkedHashMap<>();
        for (String b : BATCHES) {
            batches.put(b, ObjectiveParityTest.batch(r, b));
        }
        return new Setup(m, reference, batches, r);
    }

    /** Checks every {@code prefix<param>} tensor of the fixture against {@code ours(param)}; returns how many. */
    private static int compare(CheckpointReader r, String prefix, Function<String, INDArray> ours) throws Exception {
        int checked = 0;
        for (String key : r.names()) {
            if (!key.startsWith(prefix)) {
                continue;
            }
            String param = key.substring(prefix.length());
            INDArray want = r.readFloat64(key);
            double scale = Math.max(want.amaxNumber().doubleValue(), 1e-12);
            double err = ours.apply(param).castTo(want.dataType()).sub(want).amaxNumber().doubleValue() / scale;
            assertThat(err).as("%s%s", prefix, param).isLessThan(1e-4);
            checked++;
        }
        return checked;
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void altpoDistillationAndSiblMarginMatchPyTorch(String model) throws Exception {
        Setup s = setup(model);
        try (CheckpointReader r = s.fixture()) {
            Map<String, Objective> objectives = Map.of(
                    "altpo", ObjectiveSum.of(1, new Dpo(0.1, false, "alternate", "forget"), 1, new RetainNll()),
                    "distill", new Distillation("retain"), "sibl_margin", new MeanLogitMargin());
            for (Map.Entry<String, Objective> e : objectives.entrySet()) {
                ObjectiveEvaluation.Result res = ObjectiveEvaluation.evaluate(e.getValue(), s.model(), s.reference(),
                        s.batches());
                double want = r.readFloat64(e.getKey() + ".loss").getDouble(0);
                assertThat(Math.abs(res.loss() - want) / Math.abs(want)).as("%s loss %s vs %s", e.getKey(), res.loss(),
                        want).isLessThan(1e-5);
                assertThat(compare(r, e.getKey() + ".grad.", res.gradients()::get)).isEqualTo(5);
            }
        }
    }

    private static List<int[]> unpadded(Batch b) {
        List<int[]> rows = new ArrayList<>();
        for (int i = 0; i < b.batch(); i++) {
            int n = 0;
            for (int j = 0; j < b.length(); j++) {
                n += b.mask()[i * b.length() + j];
            }
            rows.add(java.util.Arrays.copyOfRange(b.ids(), i * b.length(), i * b.length() + n));
        }
        return rows;
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void lunarDirectionAndFitMatchPyTorch(String model) throws Exception {
        Setup s = setup(model);
        try (CheckpointReader r = s.fixture()) {
            double[] want = r.readFloat64("lunar.r").toDoubleVector();
            double[] ours = Lunar.refusalDirection(s.model(), unpadded(s.batches().get("alternate")),
                    unpadded(s.batches().get("forget")), 0);
            double scale = java.util.Arrays.stream(want).map(Math::abs).max().orElseThrow();
            for (int i = 0; i < want.length; i++) {
                assertThat(Math.abs(ours[i] - want[i]) / scale).as("r[%d]", i).isLessThan(1e-5);
            }
            ObjectiveEvaluation.Result res = ObjectiveEvaluation.evaluate(new Lunar(0, 2.0, want), s.model(),
                    s.reference(), s.batches());
            double loss = r.readFloat64("lunar.loss").getDouble(0);
            assertThat(Math.abs(res.loss() - loss) / loss).as("loss %s vs %s", res.loss(), loss).isLessThan(1e-5);
            assertThat(compare(r, "lunar.grad.", res.gradients()::get)).isEqualTo(5);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void gruDirectionsOfTwoStepsMatchPyTorch(String model) throws Exception {
        Setup s = setup(model);
        List<Tensor> params = new ArrayList<>(s.model().parameters().values());
        Map<String, TapeOracle.Objective> fns = new LinkedHashMap<>();
        fns.put("forget", tape -> new GradientAscent().loss(new LossContext(tape, s.model(), null, s.batches())));
        fns.put("retain", tape -> new RetainNll().loss(new LossContext(tape, s.model(), null, s.batches())));
        TapeOracle oracle = new TapeOracle(params, fns, new BufferPool());
        Gru gru = new Gru(0.8);
        try (CheckpointReader r = s.fixture()) {
            for (int step = 1; step <= 2; step++) {
                Direction d = gru.direction(oracle, new StepContext(step - 1, 0, new Rng(0)));
                assertThat(d.metrics().get("gru/projected")).isEqualTo(r.readFloat64("gru.proj" + step).getDouble(0))
                        .isEqualTo(1.0);
                ParameterSet dir = d.direction();
                Map<String, String> byName = new LinkedHashMap<>();
                s.model().parameters().forEach((n, t) -> byName.put(n, t.name()));
                assertThat(compare(r, "gru.d" + step + ".", p -> dir.get(byName.get(p)))).isEqualTo(5);
                oracle.parameters().axpy(-0.05, dir); // θ ← θ − 0.05 d, as the script does
            }
        }
    }
}
