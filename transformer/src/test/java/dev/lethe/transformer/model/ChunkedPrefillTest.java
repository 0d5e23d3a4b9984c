package dev.lethe.transformer.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A left-padded prompt batch prefilled into a KV cache in chunks of positions (what a server does so that a long prompt
 * does not stall the running batch) gives the same last-position logits as one prefill, and leaves a cache from which
 * the next decode step gives the same logits: same arg-max, relative difference below 1e-5 (float32 rounding: the
 * chunks' products have fewer rows), for chunks of 1, 2 and 4 positions (4 does not divide the prompt length).
 */
class ChunkedPrefillTest {
    static final int[] IDS = {0, 0, 0, 5, 17, 3, 99, 42, 7, 11, 12, 13, 14, 15, 16, 18, 19, 20};
    static final int[] MASK = {0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    static final int T = 9;

    /** Prefills positions [0, T) in chunks of {@code chunk}; returns the last chunk's last-position logits. */
    static float[][] prefill(CausalLM model, KvCache cache, int chunk) {
        int[] pos = TokenBatch.positionsFromMask(MASK, 2, T);
        float[][] last = null;
        for (int from = 0; from < T; from += chunk) {
            int n = Math.min(chunk, T - from);
            int[] ids = new int[2 * n];
            int[] mask = new int[2 * n];
            int[] p = new int[2 * n];
            for (int i = 0; i < 2; i++) {
                System.arraycopy(IDS, i * T + from, ids, i * n, n);
                System.arraycopy(MASK, i * T + from, mask, i * n, n);
                System.arraycopy(pos, i * T + from, p, i * n, n);
            }
            last = KvCacheRegroupTest.step(model, new TokenBatch(ids, 2, n, mask, p), cache);
        }
        return last;
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "phi", "gemma"})
    void chunkedPrefillEqualsOnePrefill(String name) throws Exception {
        CausalLM model = KvCacheRegroupTest.fixture(name);
        KvCache whole = KvCache.forModel(model, 2, T + 1);
        float[][] want = prefill(model, whole, T);
        TokenBatch next = new TokenBatch(new int[] {7, 8}, 2, 1, new int[] {1, 1}, new int[] {6, 9});
        float[][] wantNext = KvCacheRegroupTest.step(model, next, whole);
        for (int chunk : new int[] {1, 2, 4}) {
            KvCache c = KvCache.forModel(model, 2, T + 1);
            float[][] got = prefill(model, c, chunk);
            float[][] gotNext = KvCacheRegroupTest.step(model, next, c);
            for (int i = 0; i < 2; i++) {
                assertThat(KvCacheRegroupTest.argmax(got[i])).isEqualTo(KvCacheRegroupTest.argmax(want[i]));
                assertThat(KvCacheRegroupTest.relErr(got[i], want[i])).as("%s chunk %d row %d", name, chunk, i)
                        .isLessThan(1e-5);
                assertThat(KvCacheRegroupTest.relErr(gotNext[i], wantNext[i])).as("%s chunk %d next row %d", name,
                        chunk, i).isLessThan(1e-5);
            }
        }
    }
}
