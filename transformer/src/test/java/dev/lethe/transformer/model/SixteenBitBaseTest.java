package dev.lethe.transformer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.kernel.Buf;
import dev.lethe.engine.testing.SharedFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Adapted base weights stored in bf16 or f16 ({@link CausalLM#storeAdaptedWeightsIn}): logits and the LoRA gradients
 * are bit-identical (zero difference) to a float32 model whose adapted weights were rounded (bf16: rounded here to
 * nearest even from the float32 bits; f16: by ND4J's cast), and differ from the unrounded model; the stored arrays are
 * 16-bit; a frozen view and the adapter checksum see the float32 base; bad requests are refused with clear errors.
 */
class SixteenBitBaseTest {
    private static final Path BASE = SharedFiles.path("fixtures/hf/llama");
    private static final TokenBatch BATCH = new TokenBatch(new int[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 4,
            new int[] {1, 1, 1, 1, 1, 1, 1, 0}, null);

    /** The model with a seeded adapter (B non-zero) on every projection. */
    private static CausalLM adapted() throws Exception {
        CausalLM model = CausalLM.load(BASE);
        LoraAdapter lora = LoraAdapter.create(model, new LoraConfig(3, 6, 0, false, LoraConfig.ALL_LINEAR), 7);
        Random r = new Random(2);
        lora.parameters().forEach((k, t) -> {
            if (k.contains(".lora_B.")) {
                Buf p = Buf.of(t.value());
                for (int i = 0; i < t.length(); i++) {
                    p.set(i, 0.05 * r.nextGaussian());
                }
            }
        });
        model.attach(lora);
        model.parameters().values().forEach(t -> t.requiresGrad(t.name().contains(".lora_")));
        return model;
    }

    private static float bf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        bits += 0x7FFF + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(bits & 0xFFFF0000);
    }

    /** Logits then every adapter gradient, flattened, after backward of a fixed random seed over the logits. */
    private static List<float[]> logitsAndGradients(CausalLM model) {
        List<float[]> out = new ArrayList<>();
        try (Tape tape = Tape.recording()) {
            Tensor logits = model.forward(tape, BATCH).logits();
            INDArray seed = Nd4j.rand(new Random(4).nextLong(), logits.shape()).castTo(DataType.FLOAT);
            out.add(logits.value().dup('c').data().asFloat());
            tape.backward(logits, seed);
        }
        model.adapter().parameters().values().forEach(t -> out.add(t.grad().dup('c').data().asFloat()));
        return out;
    }

    @Test
    void logitsAndLoraGradientsEqualThoseOfTheRoundedFloat32Model() throws Exception {
        List<float[]> unrounded = logitsAndGradients(adapted());
        for (DataType storage : List.of(DataType.BFLOAT16, DataType.HALF)) {
            CausalLM narrow = adapted();
            narrow.storeAdaptedWeightsIn(storage);
            CausalLM rounded = adapted();
            for (String w : rounded.adapter().targetWeights()) {
                INDArray v = rounded.weights().get(w);
                assertThat(narrow.weights().get(w).dataType()).isEqualTo(storage);
                if (storage == DataType.BFLOAT16) {
                    Buf p = Buf.of(v);
                    for (int i = 0; i < v.length(); i++) {
                        p.set(i, bf16((float) p.get(i)));
                    }
                } else {
                    v.assign(v.castTo(DataType.HALF).castTo(DataType.FLOAT));
                }
            }
            assertThat(narrow.sixteenBitWeights()).containsExactlyElementsOf(narrow.adapter().targetWeights());
            List<float[]> got = logitsAndGradients(narrow);
            List<float[]> want = logitsAndGradients(rounded);
            assertThat(got).hasSize(want.size());
            for (int i = 0; i < want.size(); i++) {
                assertThat(got.get(i)).as("%s: %s", storage, i == 0 ? "logits" : "gradient " + i)
                        .containsExactly(want.get(i));
            }
            assertThat(got.get(0)).as("rounding changes the logits").isNotEqualTo(unrounded.get(0));
        }
    }

    @Test
    void frozenViewCopyAndChecksumSeeTheFloat32Base() throws Exception {
        CausalLM model = adapted();
        String float32 = LoraAdapter.checksum(model);
        model.storeAdaptedWeightsIn(DataType.BFLOAT16);
        assertThat(LoraAdapter.checksum(model)).isEqualTo(float32);
        CausalLM view = model.frozenView();
        String q = "model.layers.0.self_attn.q_proj.weight";
        assertThat(view.weights().get(q)).isSameAs(model.weights().get(q));
        try (Tape t1 = Tape.inference(); Tape t2 = Tape.inference()) {
            assertThat(view.forward(t1, BATCH).logits().value().dup('c').data().asFloat())
                    .containsExactly(model.forward(t2, BATCH).logits().value().dup('c').data().asFloat());
        }
        CausalLM copy = model.copy();
        assertThat(copy.weights().get(q).dataType()).isEqualTo(DataType.FLOAT);
        assertThat(copy.sixteenBitWeights()).isEmpty();
        assertThat(copy.weights().get(q).getFloat(0, 1)).isEqualTo(model.weights().get(q).getFloat(0, 1));
    }

    @Test
    void badRequestsAreRefused() throws Exception {
        CausalLM plain = CausalLM.load(BASE);
        assertThatThrownBy(() -> plain.storeAdaptedWeightsIn(DataType.BFLOAT16))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("needs an attached LoRA adapter");
        CausalLM model = adapted();
        assertThatThrownBy(() -> model.storeAdaptedWeightsIn(DataType.INT))
                .hasMessageContaining("BFLOAT16 or HALF, not INT");
        model.storeAdaptedWeightsIn(DataType.HALF);
        assertThatThrownBy(() -> model.storeAdaptedWeightsIn(DataType.BFLOAT16)).hasMessageContaining("already stored");
        CausalLM doubles = CausalLM.load(BASE, DataType.DOUBLE);
        doubles.attach(LoraAdapter.create(doubles, new LoraConfig(2, 4, 0, false, LoraConfig.ALL_LINEAR), 1));
        assertThatThrownBy(() -> doubles.storeAdaptedWeightsIn(DataType.BFLOAT16)).hasMessageContaining("float32");
        LoraAdapter partial = LoraAdapter.create(model, new LoraConfig(2, 4, 0, false, ".*\\.q_proj"), 1);
        assertThatThrownBy(() -> model.attach(partial)).hasMessageContaining("16 bits");
        model.detach();
        try (Tape t = Tape.inference()) {
            assertThatThrownBy(() -> model.forward(t, BATCH)).hasMessageContaining("is stored in HALF");
        }
    }
}
