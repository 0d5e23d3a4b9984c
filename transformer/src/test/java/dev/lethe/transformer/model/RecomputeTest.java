package dev.lethe.transformer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.engine.testing.SharedFiles;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Activation recomputation per decoder block changes no gradient: every parameter's gradient (llama: separate q/k/v,
 * untied head; gpt2: fused Conv1D qkv, learned positions, tied head) and every adapter gradient (base frozen, so the
 * first block's input needs no gradient) is bit-identical, compared byte for byte, to the plain graph's.
 */
class RecomputeTest {
    private static final TokenBatch BATCH = new TokenBatch(new int[] {5, 17, 301, 42, 9, 77, 3, 1}, 2, 4,
            new int[] {1, 1, 1, 1, 1, 1, 1, 0}, null);

    private static Map<String, byte[]> gradients(CausalLM model, boolean recompute) {
        model.recomputeActivations(recompute);
        model.parameters().values().forEach(Tensor::clearGrad);
        try (Tape tape = Tape.recording(new BufferPool())) {
            Tensor logits = model.forward(tape, BATCH).logits();
            INDArray seed = logits.value().dup();
            Random r = new Random(3);
            Buf s = Buf.of(seed);
            for (int i = 0; i < seed.length(); i++) {
                s.set(i, r.nextGaussian());
            }
            tape.backward(logits, seed);
        }
        Map<String, byte[]> g = new LinkedHashMap<>();
        model.parameters().forEach((k, t) -> {
            if (t.requiresGrad()) {
                assertThat(t.grad()).as(k).isNotNull();
                g.put(k, t.grad().data().asBytes());
            }
        });
        return g;
    }

    private static void assertSame(Map<String, byte[]> plain, Map<String, byte[]> recomputed) {
        assertThat(recomputed.keySet()).containsExactlyElementsOf(plain.keySet());
        plain.forEach((k, v) -> assertThat(recomputed.get(k)).as(k).isEqualTo(v));
    }

    @Test
    void fullParameterGradientsAreBitIdentical() throws Exception {
        for (String family : List.of("llama", "gpt2")) {
            CausalLM model = CausalLM.load(SharedFiles.path("fixtures/hf/" + family));
            Map<String, byte[]> plain = gradients(model, false);
            assertThat(plain).hasSize(model.parameters().size());
            assertSame(plain, gradients(model, true));
        }
    }

    @Test
    void adapterGradientsAreBitIdenticalAndDropoutIsRefused() throws Exception {
        CausalLM model = CausalLM.load(SharedFiles.path("fixtures/hf/llama"));
        LoraAdapter adapter = LoraAdapter.create(model, new LoraConfig(4, 8, 0.1, false, LoraConfig.ALL_LINEAR), 1);
        Random r = new Random(2);
        adapter.parameters().values().forEach(t -> {
            Buf b = Buf.of(t.value());
            for (int i = 0; i < t.length(); i++) {
                b.set(i, b.get(i) + 0.05 * r.nextGaussian());
            }
        });
        model.attach(adapter);
        model.parameters().values().forEach(t -> t.requiresGrad(t.name().contains(".lora_")));
        Map<String, byte[]> plain = gradients(model, false);
        assertThat(plain).hasSize(28);
        assertSame(plain, gradients(model, true));
        adapter.train(5);
        assertThatThrownBy(() -> gradients(model, true)).hasMessageContaining("lora_dropout=0 or recompute=false");
    }
}
