package dev.lethe.unlearn.job;

import dev.lethe.transformer.model.LoraAdapter;
import dev.lethe.transformer.model.LoraConfig;
import dev.lethe.transformer.model.CausalLM;
import dev.lethe.unlearn.recipe.Settings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * LoRA in a training run, driven by the shared settings {@code lora_rank} (0 = train the selected base weights, the
 * default), {@code lora_alpha}, {@code lora_dropout}, {@code lora_rslora} and {@code lora_target} (a regex over module
 * names or all-linear), and {@code base_dtype} (float32, or bf16 / f16: the adapted base weights, frozen, are stored in
 * 16 bits and computed in float32; only with an adapter). With a rank, a fresh adapter is attached before the run,
 * only its tensors train (unless {@code trainable} names others), the NPO/KL reference shares the frozen base, and the run writes the adapter in
 * PEFT's layout instead of a full model ({@code lethe merge} folds it in).
 */
final class LoraTraining {
    /** The trainable regex of an adapter's tensors (PEFT key names). */
    static final String ADAPTER_TENSORS = ".*\\.lora_[AB]\\.weight";

    private LoraTraining() {
    }

    /** True when the settings ask for an adapter; an error for a negative rank. */
    static boolean requested(Settings s) {
        int rank = s.integer("lora_rank");
        if (rank < 0) {
            throw new IllegalArgumentException("setting lora_rank must be 0 (no adapter) or a positive rank, got "
                    + rank);
        }
        return rank > 0;
    }

    /**
     * Attaches a fresh adapter (seeded by {@code seed}) when the settings ask for one and returns the settings with
     * {@code trainable} resolved to the adapter's tensors when it was left at its default; else returns {@code s}.
     */
    static Settings attach(CausalLM model, Settings s) {
        DataType storage = baseStorage(s);
        if (!requested(s)) {
            if (storage != null) {
                throw new IllegalArgumentException("setting base_dtype=" + s.string("base_dtype") + " needs a LoRA"
                        + " adapter (set lora_rank > 0): only frozen base weights under an adapter are stored in 16"
                        + " bits; or set base_dtype=float32");
            }
            return s;
        }
        LoraConfig config = new LoraConfig(s.integer("lora_rank"), s.number("lora_alpha"), s.number("lora_dropout"),
                s.flag("lora_rslora"), s.string("lora_target"));
        model.attach(LoraAdapter.create(model, config, s.integer("seed")));
        Settings resolved = s.string("trainable").equals(".*") ? s.with(Map.of("trainable", ADAPTER_TENSORS)) : s;
        if (storage != null) {
            String regex = resolved.string("trainable");
            model.adapter().targetWeights().stream().filter(w -> w.matches(regex)).findFirst().ifPresent(w -> {
                throw new IllegalArgumentException("setting base_dtype=" + s.string("base_dtype") + " freezes the"
                        + " adapted base weights, but trainable='" + regex + "' selects " + w + "; let trainable"
                        + " name adapter tensors only (" + ADAPTER_TENSORS + ") or set base_dtype=float32");
            });
            model.storeAdaptedWeightsIn(storage);
        }
        return resolved;
    }

    /** The 16-bit storage setting {@code base_dtype} asks for, or null for float32; an error for other values. */
    static DataType baseStorage(Settings s) {
        try {
            return CausalLM.sixteenBitStorage(s.string("base_dtype"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("setting base_dtype " + e.getMessage(), e);
        }
    }

    /**
     * The reference model of a run: a frozen view sharing the base weights when an adapter trains and the base is
     * frozen (the trainable regex names adapter tensors only), else a frozen deep copy.
     */
    static CausalLM reference(CausalLM model, Settings s) {
        boolean baseFrozen = model.adapter() != null && model.weights().keySet().stream().noneMatch(
                n -> n.matches(s.string("trainable")));
        return baseFrozen ? model.frozenView() : model.frozenCopy();
    }

    /** Writes the run's result to {@code out}: the adapter (PEFT layout) when one is attached, else the full model. */
    static void save(CausalLM model, Path out) throws IOException {
        if (model.adapter() != null) {
            model.adapter().save(out, model);
        } else {
            model.save(out);
        }
    }
}
