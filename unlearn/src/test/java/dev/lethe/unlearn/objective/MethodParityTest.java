package dev.lethe.unlearn.objective;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.ParameterSet;
import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.optim.Rng;
import dev.lethe.optim.rule.Direction;
import dev.lethe.optim.rule.Gru;
import dev.lethe.optim.rule.StepContext;
import dev.lethe.optim.rule.TapeOracle;
import dev.lethe.transformer.generate.DecodingStep;
import dev.lethe.transformer.generate.GuidanceHead;
import dev.lethe.transformer.generate.TemperThenTilt;
import dev.lethe.engine.io.CheckpointReader;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.transformer.model.TokenBatch;
import dev.lethe.unlearn.data.Batch;
import dev.lethe.unlearn.data.Example;
import dev.lethe.unlearn.job.GuidanceHeadTraining;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The methods of issue 21 against an independent PyTorch computation (unlearn/scripts/make_method_fixtures.py,
 * float64, on the gpt2 and llama fixtures; reference model = 0.98 x the model): AltPO's loss (DPO of the alternate over
 * the forget answer + retain NLL), UNDO's distillation, SIBL's forget margin and LUNAR's fit (its direction r at 1e-5 first), value at 1e-5 and gradients at 1e-4 relative; GRU's
 * directions of two consecutive steps (forget = GA, retain = NLL, gamma 0.8, θ moved by 0.05·d1 in between, so the
 * moving average mixes two different retain gradients) at 1e-4 relative, with the projection active in both; T3's head loss and closed-form gradient (1e-5 / 1e-4) and the
 * tempered-and-tilted next-token scores of the logits processor (1e-5).
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
                    "distill", Distillation.onOutputs("retain"), "sibl_margin", new MeanLogitMargin());
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
            rows.add(Arrays.copyOfRange(b.ids(), i * b.length(), i * b.length() + n));
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
            assertClose(ours, want, 1e-5, "r");
            ObjectiveEvaluation.Result res = ObjectiveEvaluation.evaluate(new Lunar(0, 2.0, want), s.model(),
                    s.reference(), s.batches());
            double loss = r.readFloat64("lunar.loss").getDouble(0);
            assertThat(Math.abs(res.loss() - loss) / loss).as("loss %s vs %s", res.loss(), loss).isLessThan(1e-5);
            assertThat(compare(r, "lunar.grad.", res.gradients()::get)).isEqualTo(5);
        }
    }

    /** The unpadded rows of a batch as examples (prompt = the leading tokens labelled -100). */
    private static List<Example> examples(Batch b) {
        List<Example> out = new ArrayList<>();
        List<int[]> rows = unpadded(b);
        for (int i = 0; i < rows.size(); i++) {
            int p = 0;
            while (b.labels()[i * b.length() + p] == Batch.IGNORE) {
                p++;
            }
            int[] ids = rows.get(i);
            out.add(new Example(Arrays.copyOfRange(ids, 0, p), Arrays.copyOfRange(ids, p, ids.length)));
        }
        return out;
    }

    private static void assertClose(double[] ours, double[] want, double tol, String what) {
        double scale = Arrays.stream(want).map(Math::abs).max().orElseThrow();
        for (int i = 0; i < want.length; i++) {
            assertThat(Math.abs(ours[i] - want[i]) / scale).as("%s[%d]", what, i).isLessThan(tol);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void t3HeadLossGradientAndGuidedLogitsMatchPyTorch(String model) throws Exception {
        Setup s = setup(model);
        try (CheckpointReader r = s.fixture()) {
            INDArray wIn = r.readFloat64("t3.w_in");
            INDArray wOut = r.readFloat64("t3.w_out");
            GuidanceHead head = new GuidanceHead((int) wIn.size(0), (int) wIn.size(1), (int) wOut.size(0),
                    wIn.reshape(wIn.length()).toDoubleVector(), wOut.reshape(wOut.length()).toDoubleVector());
            GuidanceHeadTraining.Features f = GuidanceHeadTraining.features(s.model(),
                    examples(s.batches().get("forget")), examples(s.batches().get("retain")));
            GuidanceHeadTraining.LossAndGradient lg = GuidanceHeadTraining.lossAndGradient(head, f);
            double want = r.readFloat64("t3.loss").getDouble(0);
            assertThat(Math.abs(lg.loss() - want) / want).as("loss %s vs %s", lg.loss(), want).isLessThan(1e-5);
            assertClose(lg.wIn(), flat(r.readFloat64("t3.grad.w_in")), 1e-4, "grad w_in");
            assertClose(lg.wOut(), flat(r.readFloat64("t3.grad.w_out")), 1e-4, "grad w_out");
            int[] prompt = unpadded(s.batches().get("forget")).get(0);
            double[][] logits = new double[1][];
            try (Tape tape = Tape.inference(new BufferPool())) {
                int[] mask = new int[prompt.length];
                Arrays.fill(mask, 1);
                INDArray z = s.model().forward(tape, new TokenBatch(prompt, 1, prompt.length, mask, null)).logits()
                        .value();
                logits[0] = z.get(NDArrayIndex.point(0), NDArrayIndex.point(prompt.length - 1), NDArrayIndex.all())
                        .dup().toDoubleVector();
            }
            new TemperThenTilt(s.model(), head, 2.5, 1.5).process(new DecodingStep(0, new int[][] {prompt}, null,
                    new boolean[] {false}, prompt.length + 1), logits);
            assertClose(logits[0], flat(r.readFloat64("t3.guided")), 1e-5, "guided logits");
        }
    }

    private static double[] flat(INDArray a) {
        return a.reshape(a.length()).toDoubleVector();
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void gruDirectionsOfTwoStepsMatchPyTorch(String model) throws Exception {
        Setup s = setup(model);
        List<Tensor> params = new ArrayList<>(s.model().parameters().values());
        Map<String, TapeOracle.TapeLoss> fns = new LinkedHashMap<>();
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
