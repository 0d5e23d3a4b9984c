package dev.lethe.unlearn.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lethe.unlearn.data.Batch;
import dev.lethe.unlearn.data.Example;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** DPO's chosen and rejected batches: an aligned set is drawn record-for-record with the primary set. */
class AlignedBatchesTest {

    /** Example k of a set: prompt token k, answer token offset + k. */
    private static List<Example> set(int n, int offset) {
        List<Example> out = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            out.add(new Example(new int[] {k}, new int[] {offset + k}));
        }
        return out;
    }

    @Test
    void alignedRowsComeFromTheSameRecordInEveryEpoch() {
        PairedBatchSource src = new PairedBatchSource("chosen", Map.of("chosen", set(7, 100), "rejected",
                set(7, 200)), Set.of("rejected"), 3, 0, 5);
        for (long epoch = 0; epoch < 3; epoch++) {
            Set<Integer> seen = new HashSet<>();
            for (long i = 0; i < src.batchesPerEpoch(); i++) {
                Map<String, Batch> b = src.batch(epoch, i).batches();
                Batch c = b.get("chosen");
                Batch r = b.get("rejected");
                assertThat(r.batch()).isEqualTo(c.batch());
                for (int row = 0; row < c.batch(); row++) {
                    int k = c.ids()[row * c.length()];
                    assertThat(c.ids()[row * c.length() + 1]).isEqualTo(100 + k);
                    assertThat(r.ids()[row * r.length()]).isEqualTo(k);
                    assertThat(r.ids()[row * r.length() + 1]).isEqualTo(200 + k);
                    seen.add(k);
                }
            }
            assertThat(seen).hasSize(7); // every pair once per epoch
        }
    }

    @Test
    void withoutAlignmentTheOtherSetHasItsOwnOrder() {
        PairedBatchSource src = new PairedBatchSource("chosen", Map.of("chosen", set(7, 100), "rejected",
                set(7, 200)), 7, 0, 5);
        Map<String, Batch> b = src.batch(0, 0).batches();
        int mismatched = 0;
        for (int row = 0; row < 7; row++) {
            mismatched += b.get("chosen").ids()[row * 2] != b.get("rejected").ids()[row * 2] ? 1 : 0;
        }
        assertThat(mismatched).isPositive();
    }

    @Test
    void anAlignedSetOfAnotherSizeIsRefused() {
        assertThatThrownBy(() -> new PairedBatchSource("chosen", Map.of("chosen", set(7, 100), "rejected",
                set(6, 200)), Set.of("rejected"), 3, 0, 5)).hasMessageContaining("aligned set 'rejected'")
                .hasMessageContaining("(7)");
    }
}
