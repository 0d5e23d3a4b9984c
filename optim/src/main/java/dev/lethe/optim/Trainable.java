package dev.lethe.optim;

import dev.lethe.engine.ParameterSet;
import dev.lethe.engine.Tensor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Chooses the trainable parameters by a regular expression over their Hugging Face names, matched against the whole
 * name (for example RMU's {@code model\.layers\.(5|6|7)\.mlp\.down_proj\.weight}). Selecting nothing is an error, as
 * it is almost always a typo in the pattern.
 */
public final class Trainable {
    private Trainable() {
    }

    /** The named tensors whose names fully match {@code regex}, in their original order. */
    public static List<Tensor> select(Collection<Tensor> tensors, String regex) {
        Pattern p = Pattern.compile(regex);
        List<Tensor> out = new ArrayList<>();
        for (Tensor t : tensors) {
            if (t.name() != null && p.matcher(t.name()).matches()) {
                out.add(t);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no parameter name matches /" + regex + "/");
        }
        return out;
    }

    /** The arrays of {@code set} whose names fully match {@code regex} (views). */
    public static ParameterSet select(ParameterSet set, String regex) {
        Pattern p = Pattern.compile(regex);
        ParameterSet out = set.select(n -> p.matcher(n).matches());
        if (out.size() == 0) {
            throw new IllegalArgumentException("no parameter name matches /" + regex + "/");
        }
        return out;
    }
}
