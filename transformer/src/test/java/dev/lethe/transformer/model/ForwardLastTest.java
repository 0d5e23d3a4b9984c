package dev.lethe.transformer.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.engine.Tape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link CausalLM#forwardLast} (the output head on each row's last position only, as a server's prefill needs) gives
 * the last-position logits of the full {@link CausalLM#forward}, on a left-padded two-row prompt batch into a KV cache,
 * and leaves the same cache behind: the next decode step's logits agree too. Float32 rounding apart (the head runs as
 * a one-row product instead of a T-row one), so: the same arg-max and a relative difference below 1e-5.
 */
class ForwardLastTest {
    static float[][] last(INDArray out) {
        int b = (int) out.size(0);
        int t = (int) out.size(1) - 1;
        float[][] rows = new float[b][(int) out.size(2)];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < rows[i].length; j++) {
                rows[i][j] = out.getFloat(i, t, j);
            }
        }
        return rows;
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "phi", "gemma"})
    void lastPositionLogitsAndTheCacheMatchTheFullForward(String name) throws Exception {
        CausalLM model = KvCacheRegroupTest.fixture(name);
        int[] ids = {0, 0, 5, 17, 3, 99, 11, 12, 13, 14, 15, 16};
        int[] mask = {0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
        TokenBatch prompt = new TokenBatch(ids, 2, 6, mask, TokenBatch.positionsFromMask(mask, 2, 6));
        KvCache full = KvCache.forModel(model, 2, 8);
        KvCache lastOnly = KvCache.forModel(model, 2, 8);
        float[][] want;
        float[][] got;
        try (Tape tape = Tape.inference(KvCacheRegroupTest.POOL)) {
            want = last(model.forward(tape, prompt, full, false).logits().value());
        }
        try (Tape tape = Tape.inference(KvCacheRegroupTest.POOL)) {
            INDArray out = model.forwardLast(tape, prompt, lastOnly).logits().value();
            assertThat(out.shape()).containsExactly(2, 1, model.config().vocabSize());
            got = last(out);
        }
        TokenBatch next = new TokenBatch(new int[] {7, 8}, 2, 1, new int[] {1, 1}, new int[] {4, 6});
        for (int i = 0; i < 2; i++) {
            assertThat(KvCacheRegroupTest.argmax(got[i])).isEqualTo(KvCacheRegroupTest.argmax(want[i]));
            assertThat(KvCacheRegroupTest.relErr(got[i], want[i])).as("%s row %d", name, i).isLessThan(1e-5);
        }
        float[][] a = KvCacheRegroupTest.step(model, next, full);
        float[][] b = KvCacheRegroupTest.step(model, next, lastOnly);
        for (int i = 0; i < 2; i++) {
            assertThat(KvCacheRegroupTest.relErr(b[i], a[i])).as("%s next step row %d", name, i).isEqualTo(0.0);
        }
    }
}
