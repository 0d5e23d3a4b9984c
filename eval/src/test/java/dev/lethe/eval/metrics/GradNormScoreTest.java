package dev.lethe.eval.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.eval.Progress;
import dev.lethe.eval.text.GradNormScorer;
import dev.lethe.transformer.model.CausalLM;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The gradient-norm MIA score: the reduction on a hand case, and the whole score (forward, backward, per-tensor
 * norms) on the tiny fixture Llama against float64 PyTorch (resources/metrics/gradnorm_reference.py).
 */
class GradNormScoreTest {
    @Test
    void meanOverTensorsOfThePNormOnAHandCase() {
        // tensors (3, -4) and (1, 2, -2): L1 7 and 5, L2 5 and 3, Linf 4 and 2
        var a = Nd4j.createFromArray(3.0, -4.0);
        var b = Nd4j.createFromArray(1.0f, 2.0f, -2.0f).reshape(3, 1);
        assertThat(GradNormScore.score(List.of(a, b), 1)).isEqualTo(6.0);
        assertThat(GradNormScore.score(List.of(a, b), 2)).isEqualTo(4.0);
        assertThat(GradNormScore.score(List.of(a, b), Double.POSITIVE_INFINITY)).isEqualTo(3.0);
        assertThatThrownBy(() -> GradNormScore.score(List.of(a), 3)).hasMessageContaining("p must be 1, 2 or infinity");
        assertThatThrownBy(() -> GradNormScore.score(List.of(), 2)).hasMessageContaining("no parameter gradients");
    }

    @Test
    void scorerMatchesFloat64PyTorchOnTheFixtureLlamaAndClearsTheGradients() throws Exception {
        CausalLM model = CausalLM.load(SharedFiles.path("fixtures/hf/llama"));
        assertThat(model.dtype()).isEqualTo(DataType.FLOAT);
        JsonNode ref = Fixtures.load("gradnorm_reference.json");
        List<int[]> prompts = new ArrayList<>();
        List<int[]> answers = new ArrayList<>();
        for (JsonNode row : ref) {
            prompts.add(ints(row.get("prompt")));
            answers.add(ints(row.get("answer")));
        }
        GradNormScorer scorer = new GradNormScorer(model, 64);
        String[] keys = {"p1", "p2", "pinf"};
        double[] ps = {1, 2, Double.POSITIVE_INFINITY};
        for (int k = 0; k < ps.length; k++) {
            double[] got = scorer.score(prompts, answers, 2, ps[k], Progress.NONE, "gradnorm");
            for (int i = 0; i < got.length; i++) {
                double want = ref.get(i).get(keys[k]).doubleValue();
                assertThat(got[i]).as("pair %d, %s", i, keys[k]).isCloseTo(want, within(1e-4 * want));
            }
        }
        // the EOS prediction matters: keeping it changes the first pair's score
        double withEos = scorer.score(prompts.subList(0, 1), answers.subList(0, 1), -1, 2, Progress.NONE, "g")[0];
        assertThat(Math.abs(withEos - ref.get(0).get("p2").doubleValue())).isGreaterThan(1e-3);
        for (Tensor w : model.parameters().values()) {
            assertThat(w.grad()).as(w.name()).isNull();
        }
        GradNormScorer frozen = new GradNormScorer(model.frozenCopy(), 64);
        assertThatThrownBy(() -> frozen.score(prompts, answers, 2, 2, Progress.NONE, "g"))
                .hasMessageContaining("no parameter received a gradient");
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).intValue();
        }
        return out;
    }
}
