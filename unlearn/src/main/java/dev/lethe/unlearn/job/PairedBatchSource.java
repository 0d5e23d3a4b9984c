package dev.lethe.unlearn.job;

import dev.lethe.optim.train.BatchSource;
import dev.lethe.unlearn.data.Batch;
import dev.lethe.unlearn.data.Example;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Forget, retain (and other) examples drawn in step: an epoch is one pass over the primary set ("forget", or "train"
 * when fine-tuning) in a seeded shuffled order; micro-batch i pairs the primary set's i-th batch with the i-th batch
 * of every other set, which cycles when it is smaller or larger (its own shuffle per epoch). Aligned sets (DPO's
 * "rejected" beside the primary "chosen") have the primary's size and are drawn at the primary's positions, so row k
 * of both batches comes from the same record. A pure function of (epoch, index), so a resumed run sees exactly the
 * batches an uninterrupted one would.
 */
public final class PairedBatchSource implements BatchSource<StepBatches> {
    private final String primary;
    private final Map<String, List<Example>> sets;
    private final int batchSize;
    private final int padId;
    private final long seed;
    private final Set<String> aligned;

    public PairedBatchSource(String primary, Map<String, List<Example>> sets, int batchSize, int padId, long seed) {
        this(primary, sets, Set.of(), batchSize, padId, seed);
    }

    /** As above, with {@code aligned} sets drawn record-for-record with the primary set. */
    public PairedBatchSource(String primary, Map<String, List<Example>> sets, Set<String> aligned, int batchSize,
            int padId, long seed) {
        if (!sets.containsKey(primary) || sets.get(primary).isEmpty()) {
            throw new IllegalArgumentException("the '" + primary + "' set is empty");
        }
        for (Map.Entry<String, List<Example>> e : sets.entrySet()) {
            if (e.getValue().isEmpty()) {
                throw new IllegalArgumentException("the '" + e.getKey() + "' set is empty");
            }
        }
        for (String a : aligned) {
            if (!sets.containsKey(a) || sets.get(a).size() != sets.get(primary).size()) {
                throw new IllegalArgumentException("the aligned set '" + a + "' must have as many examples as '"
                        + primary + "' (" + sets.get(primary).size() + ")");
            }
        }
        this.aligned = Set.copyOf(aligned);
        this.primary = primary;
        this.sets = new LinkedHashMap<>(sets);
        this.batchSize = batchSize;
        this.padId = padId;
        this.seed = seed;
    }

    @Override
    public long batchesPerEpoch() {
        return (sets.get(primary).size() + batchSize - 1) / batchSize;
    }

    private int[] order(String name, long epoch) {
        int n = sets.get(name).size();
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        Random r = new Random(seed * 1_000_003L + epoch * 7919L + name.hashCode());
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        return idx;
    }

    /** The positions in the primary set of the records in micro-batch {@code index} of {@code epoch}. */
    @Override
    public long[] recordIds(long epoch, long index) {
        int[] ord = order(primary, epoch);
        long start = index * batchSize;
        int count = (int) Math.min(batchSize, sets.get(primary).size() - start);
        long[] ids = new long[count];
        for (int k = 0; k < count; k++) {
            ids[k] = ord[(int) (start + k)];
        }
        return ids;
    }

    @Override
    public StepBatches batch(long epoch, long index) {
        Map<String, Batch> out = new LinkedHashMap<>();
        int primarySize = sets.get(primary).size();
        for (Map.Entry<String, List<Example>> e : sets.entrySet()) {
            List<Example> all = e.getValue();
            boolean isPrimary = e.getKey().equals(primary) || aligned.contains(e.getKey());
            // the other sets cycle: their position continues across epochs of the primary set
            long start = isPrimary ? index * batchSize : (epoch * batchesPerEpoch() + index) * batchSize;
            long cycle = isPrimary ? 0 : start / all.size();
            int[] ord = isPrimary ? order(primary, epoch) : order(e.getKey(), cycle);
            int count = isPrimary ? (int) Math.min(batchSize, primarySize - start) : batchSize;
            List<Example> picked = new ArrayList<>(count);
            for (int k = 0; k < count; k++) {
                long pos = start + k;
                if (!isPrimary && pos / all.size() != cycle) {
                    ord = order(e.getKey(), pos / all.size());
                    cycle = pos / all.size();
                }
                picked.add(all.get(ord[(int) (pos % all.size())]));
            }
            out.put(e.getKey(), Batch.collate(picked, padId));
        }
        return new StepBatches(out);
    }
}
