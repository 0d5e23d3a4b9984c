package dev.lethe.unlearn.objective;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lethe.engine.GradCheck;
import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.testing.SharedFiles;
import dev.lethe.transformer.config.ModelConfig;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.unlearn.data.Batch;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Distillation (arXiv 1503.02531) from the llama fixture (teacher) into a one-layer random student with the same
 * vocabulary, float64: the loss equals a plain-loop evaluation of (1 - w) T^2 KL(p_t^T || p_s^T) + w NLL over the
 * positions that predict scored tokens, and its gradient matches central finite differences.
 */
class DistillationTest {
    private static final int I = Batch.IGNORE;
    private static final Batch BATCH = new Batch(new int[] {1, 40, 7, 300, 12, 1, 9, 90, 0, 0},
            new int[] {1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, new int[] {I, I, 7, 300, 12, I, 9, 90, I, I}, 2, 5);

    static CausalLM student() {
        ModelConfig c = ModelConfig.parse("{\"model_type\": \"llama\", \"hidden_size\": 16, \"intermediate_size\": 24,"
                + " \"num_hidden_layers\": 1, \"num_attention_heads\": 2, \"num_key_value_heads\": 1,"
                + " \"vocab_size\": 512, \"max_position_embeddings\": 32, \"rms_norm_eps\": 1e-5,"
                + " \"tie_word_embeddings\": false, \"hidden_act\": \"silu\"}", "student");
        return CausalLM.randomInit(c, 4, 0.3, DataType.DOUBLE);
    }

    private static INDArray logits(CausalLM m) {
        try (Tape tape = Tape.inference()) {
            return m.forward(tape, BATCH.tokens()).logits().value().dup();
        }
    }

    /** log softmax(z / temp) of one row, in plain double arithmetic. */
    private static double[] logSoftmax(INDArray z, int b, int j, double temp) {
        int v = (int) z.size(2);
        double[] out = new double[v];
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < v; k++) {
            out[k] = z.getDouble(b, j, k) / temp;
            max = Math.max(max, out[k]);
        }
        double sum = 0;
        for (int k = 0; k < v; k++) {
            sum += Math.exp(out[k] - max);
        }
        double lse = max + Math.log(sum);
        for (int k = 0; k < v; k++) {
            out[k] -= lse;
        }
        return out;
    }

    private static double byHand(INDArray zs, INDArray zt, double temp, double w) {
        double kl = 0;
        double nll = 0;
        int n = 0;
        for (int b = 0; b < 2; b++) {
            for (int j = 0; j < 4; j++) {
                int label = BATCH.labels()[b * 5 + j + 1];
                if (label == I) {
                    continue;
                }
                n++;
                double[] ls = logSoftmax(zs, b, j, temp);
                double[] lt = logSoftmax(zt, b, j, temp);
                for (int k = 0; k < ls.length; k++) {
                    kl += Math.exp(lt[k]) * (lt[k] - ls[k]);
                }
                nll -= logSoftmax(zs, b, j, 1.0)[label];
            }
        }
        return (1 - w) * temp * temp * kl / n + w * nll / n;
    }

    @Test
    void lossMatchesAPlainLoopAndGradientsMatchFiniteDifferences() throws Exception {
        CausalLM teacher = CausalLM.load(SharedFiles.path("fixtures/hf/llama"), DataType.DOUBLE).frozenView();
        CausalLM student = student();
        INDArray zs = logits(student);
        INDArray zt = logits(teacher);
        for (double[] tw : new double[][] {{2.0, 0.0}, {1.0, 0.0}, {3.0, 0.25}}) {
            Distillation kd = new Distillation("train", tw[0], tw[1]);
            double loss = ObjectiveEvaluation.evaluate(kd, student, teacher, Map.of("train", BATCH)).loss();
            assertThat(loss).as("T %s w %s", tw[0], tw[1]).isCloseTo(byHand(zs, zt, tw[0], tw[1]),
                    org.assertj.core.data.Percentage.withPercentage(1e-9));
            assertThat(loss).isPositive();
        }
        Distillation kd = new Distillation("train", 2.0, 0.25);
        Tensor norm = student.parameters().get("model.norm.weight");
        Tensor inNorm = student.parameters().get("model.layers.0.input_layernorm.weight");
        student.parameters().values().forEach(t -> t.requiresGrad(t == norm || t == inNorm));
        GradCheck.Result r = GradCheck.check((tape, in) -> kd.loss(new LossContext(tape, student, teacher,
                Map.of("train", BATCH))), List.of(norm, inNorm));
        assertThat(r.maxRelativeError()).as("%s", r.perInput()).isLessThan(1e-6);
    }

    @Test
    void aStudentEqualToTheTeacherHasZeroSoftLossAndBadSettingsAreRefused() throws Exception {
        CausalLM teacher = CausalLM.load(SharedFiles.path("fixtures/hf/llama"), DataType.DOUBLE);
        double loss = ObjectiveEvaluation.evaluate(new Distillation("train", 2.0, 0.0), teacher.copy(),
                teacher.frozenView(), Map.of("train", BATCH)).loss();
        assertThat(loss).isCloseTo(0.0, org.assertj.core.data.Offset.offset(1e-12));
        assertThatThrownBy(() -> new Distillation("train", 0, 0)).hasMessageContaining("temperature");
        assertThatThrownBy(() -> new Distillation("train", 1, 1.5)).hasMessageContaining("hard_weight");
    }
}
