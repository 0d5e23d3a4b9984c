package dev.lethe.eval.muse;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A MUSE-style evaluation (arXiv 2407.06460, criteria C1-C4; algorithms.md 11.2): VerbMem on the forget set (C1),
 * KnowMem on the forget and retain QA (C2 and C4, utility preservation) and PrivLeak (C3); a part that was not run is
 * null. Means are in [0, 1]; {@link #headline()} reports them x100 as MUSE's {@code eval.py} does
 * ({@code agg['mean_rougeL'] * 100}).
 */
public record MuseResult(Generations verbmem, Generations knowmemForget, Generations knowmemRetain,
                         PrivLeakResult privleak) {

    /** One scored generation: the prompt (or question), the reference, the model's output and its ROUGE-L. */
    public record Item(String prompt, String reference, String generation, double rougeLF1, double rougeLRecall)
            implements java.io.Serializable {
    }

    /** The items of one metric and their mean ROUGE-L F1 (the metric) and recall. */
    public record Generations(String name, List<Item> items, double meanRougeLF1, double meanRougeLRecall)
            implements java.io.Serializable {

        public Generations {
            items = List.copyOf(items);
            if (items.isEmpty()) {
                throw new IllegalArgumentException(name + ": no items to score");
            }
        }

        /** Means over the items (a plain sum divided by the count, as MUSE's logger does). */
        public static Generations of(String name, List<Item> items) {
            double f = 0;
            double r = 0;
            for (Item it : items) {
                f += it.rougeLF1();
                r += it.rougeLRecall();
            }
            return new Generations(name, items, f / items.size(), r / items.size());
        }
    }

    /**
     * {@code verbmem_f}, {@code knowmem_f}, {@code knowmem_r} (x100), {@code privleak} (percent) and
     * {@code privleak_auc}, for the parts that ran.
     */
    public Map<String, Double> headline() {
        Map<String, Double> h = new LinkedHashMap<>();
        if (verbmem != null) {
            h.put("verbmem_f", verbmem.meanRougeLF1() * 100);
        }
        if (knowmemForget != null) {
            h.put("knowmem_f", knowmemForget.meanRougeLF1() * 100);
        }
        if (knowmemRetain != null) {
            h.put("knowmem_r", knowmemRetain.meanRougeLF1() * 100);
        }
        if (privleak != null) {
            h.put("privleak", privleak.privLeak());
            h.put("privleak_auc", privleak.auc());
        }
        return h;
    }
}
