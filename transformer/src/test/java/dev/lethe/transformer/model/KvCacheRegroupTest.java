package dev.lethe.transformer.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lethe.engine.BufferPool;
import dev.lethe.engine.Tape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Continuous batching's cache move: rows of two caches of different lengths (one prompt already decoded for a few
 * steps, one just prefilled) regrouped into one cache, right-aligned with masked padding, then decoded together. Each
 * row's next-token logits must equal a full recompute of its own sequence without any cache (ids exact, logits within
 * float32 rounding), so moving rows between caches changes nothing a sequence sees.
 */
class KvCacheRegroupTest {
    static final BufferPool POOL = new BufferPool();

    static CausalLM fixture(String name) throws Exception {
        return CausalLM.load(Path.of(KvCacheRegroupTest.class.getResource("/fixtures/" + name + "/config.json")
                .toURI()).getParent());
    }

    /** Last-position logits of {@code batch} run with {@code cache}, one row per sequence. */
    static float[][] step(CausalLM model, TokenBatch batch, KvCache cache) {
        try (Tape tape = Tape.inference(POOL)) {
            INDArray out = model.forward(tape, batch, cache, false).logits().value();
            int b = (int) out.size(0);
            int t = (int) out.size(1) - 1;
            int v = (int) out.size(2);
            float[][] rows = new float[b][v];
            for (int i = 0; i < b; i++) {
                for (int j = 0; j < v; j++) {
                    rows[i][j] = out.getFloat(i, t, j);
                }
            }
            return rows;
        }
    }

    static int argmax(float[] row) {
        int best = 0;
        for (int j = 1; j < row.length; j++) {
            if (row[j] > row[best]) {
                best = j;
            }
        }
        return best;
    }

    static double relErr(float[] a, float[] b) {
        double diff = 0;
        double ref = 0;
        for (int j = 0; j < a.length; j++) {
            diff = Math.max(diff, Math.abs(a[j] - b[j]));
            ref = Math.max(ref, Math.abs(b[j]));
        }
        return diff / ref;
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "phi", "gemma"})
    void regroupedRowsDecodeAsTheirOwnSequences(String name) throws Exception {
        CausalLM model = fixture(name);
        List<List<Integer>> seqs = List.of(new ArrayList<>(List.of(5, 17, 3, 99, 42, 7, 8)),
                new ArrayList<>(List.of(11, 12, 13)));
        // sequence 0: prefilled alone, then 3 greedy steps in its own cache
        KvCache a = KvCache.forModel(model, 1, 32);
        int[] p0 = seqs.get(0).stream().mapToInt(Integer::intValue).toArray();
        float[][] la = step(model, TokenBatch.of(p0), a);
        for (int s = 0; s < 3; s++) {
            int tok = argmax(la[0]);
            seqs.get(0).add(tok);
            la = step(model, new TokenBatch(new int[] {tok}, 1, 1, new int[] {1},
                    new int[] {seqs.get(0).size() - 1}), a);
        }
        // sequence 1: prefilled in a cache of its own
        KvCache b = KvCache.forModel(model, 1, 3);
        float[][] lb = step(model, TokenBatch.of(seqs.get(1).stream().mapToInt(Integer::intValue).toArray()), b);
        KvCache joint = KvCache.regroup(List.of(new KvCache.Row(a, 0), new KvCache.Row(b, 0)), 6);
        assertThat(joint.batch()).isEqualTo(2);
        assertThat(joint.length()).isEqualTo(a.length()); // the longer row sets the length; the other is padded
        float[][] next = {la[0], lb[0]};
        for (int s = 0; s < 5; s++) {
            int[] ids = new int[2];
            int[] pos = new int[2];
            for (int i = 0; i < 2; i++) {
                ids[i] = argmax(next[i]);
                seqs.get(i).add(ids[i]);
                pos[i] = seqs.get(i).size() - 1;
            }
            next = step(model, new TokenBatch(ids, 2, 1, new int[] {1, 1}, pos), joint);
            for (int i = 0; i < 2; i++) {
                int[] whole = seqs.get(i).stream().mapToInt(Integer::intValue).toArray();
                float[] want = step(model, TokenBatch.of(whole), null)[0];
                assertThat(argmax(next[i])).as("%s row %d step %d", name, i, s).isEqualTo(argmax(want));
                assertThat(relErr(next[i], want)).as("%s row %d step %d", name, i, s).isLessThan(2e-5);
            }
        }
        // a row leaving: the remaining row alone, its padding trimmed away
        KvCache rest = KvCache.regroup(List.of(new KvCache.Row(joint, 1)), 2);
        assertThat(rest.length()).isEqualTo(seqs.get(1).size());
        int tok = argmax(next[1]);
        seqs.get(1).add(tok);
        float[] got = step(model, new TokenBatch(new int[] {tok}, 1, 1, new int[] {1},
                new int[] {seqs.get(1).size() - 1}), rest)[0];
        float[] want = step(model, TokenBatch.of(seqs.get(1).stream().mapToInt(Integer::intValue).toArray()), null)[0];
        assertThat(relErr(got, want)).isLessThan(2e-5);
    }
}
