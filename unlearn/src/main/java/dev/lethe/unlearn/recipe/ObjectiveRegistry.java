package dev.lethe.unlearn.recipe;

import dev.lethe.transformer.config.ModelConfig;
import dev.lethe.unlearn.objective.CrossEntropyUnlearning;
import dev.lethe.unlearn.objective.Distillation;
import dev.lethe.unlearn.objective.Dpo;
import dev.lethe.unlearn.objective.GradientAscent;
import dev.lethe.unlearn.objective.KlToReference;
import dev.lethe.unlearn.objective.LogitMarginFlattening;
import dev.lethe.unlearn.objective.Lunar;
import dev.lethe.unlearn.objective.MeanLogitMargin;
import dev.lethe.unlearn.objective.Npo;
import dev.lethe.unlearn.objective.Objective;
import dev.lethe.unlearn.objective.ObjectiveSum;
import dev.lethe.unlearn.objective.RetainNll;
import dev.lethe.unlearn.objective.Rmu;
import dev.lethe.unlearn.objective.SatImp;
import dev.lethe.unlearn.objective.SimNpo;
import dev.lethe.unlearn.objective.Undial;
import dev.lethe.unlearn.objective.WeightedGradientAscent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Objectives by name with their parameters as {@link Settings} (defaults as in {@link Recipes}),
 * so a tool can evaluate any objective on its own, e.g. {@code lethe check-objective}. Names follow the parity fixtures
 * ({@code unlearn/scripts/make_objective_fixtures.py} and {@code make_method_fixtures.py}): single objectives read the
 * {@code forget} batch (KL and NLL read {@code retain}; DPO and IdkNLL read {@code chosen}/{@code rejected});
 * {@code graddiff} and {@code npo_retain} are gamma * forget + alpha * retain-NLL sums; {@code altpo} is gamma * DPO
 * of {@code alternate} over {@code forget} + alpha * retain NLL; {@code distillation} reads {@code retain} (the
 * defaults are UNDO's distillation on outputs); {@code mean_logit_margin} is SIBL's forget loss; {@code lunar} fits
 * layer {@code layer}'s output on {@code forget} (and {@code retain} when present) along the direction r named by
 * {@code lunar_r_from}.
 */
public final class ObjectiveRegistry {
    private static final Map<String, Map<String, String>> DEFAULTS = new LinkedHashMap<>();

    static {
        def("ga");
        def("nll");
        def("graddiff", "gamma", "1", "alpha", "1");
        def("kl");
        def("npo", "beta", "0.1");
        def("npo_retain", "beta", "0.1", "gamma", "1", "alpha", "1");
        def("simnpo", "beta", "4.5", "delta", "0");
        def("dpo", "beta", "0.1", "paper_scale", "false");
        def("idknll");
        def("wga", "beta", "1");
        def("satimp", "beta1", "5", "beta2", "1");
        def("undial", "beta", "10", "official_all_positions", "false");
        def("ceu", "ignore_first", "1");
        def("logit_margin", "official_mask", "false");
        def("rmu", "layer", "auto", "steering", "6.5", "alpha", "1200", "seed", "0", "rmu_u_from", "");
        def("altpo", "beta", "0.1", "gamma", "1", "alpha", "1");
        def("distillation", "temperature", "1", "hard_weight", "0", "every_position", "true");
        def("mean_logit_margin");
        def("lunar", "layer", "auto", "coeff", "2", "lunar_r_from", "");
    }

    private ObjectiveRegistry() {
    }

    private static void def(String name, String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        DEFAULTS.put(name, m);
    }

    /** Every known objective name. */
    public static List<String> names() {
        return List.copyOf(DEFAULTS.keySet());
    }

    /** The objective's parameters with their defaults; an unknown name lists the known ones. */
    public static Settings settings(String name) {
        Map<String, String> d = DEFAULTS.get(name);
        if (d == null) {
            throw new IllegalArgumentException("unknown objective '" + name + "'; known: " + names());
        }
        return new Settings(d);
    }

    /**
     * Builds the objective. {@code tensors} resolves RMU's {@code rmu_u_from} (a tensor name holding the steering
     * direction u; empty draws u from {@code seed} as the rmu recipe does); it may be null when that is unused.
     */
    public static Objective create(String name, Settings s, ModelConfig config, Function<String, double[]> tensors) {
        settings(name);
        return switch (name) {
            case "ga" -> new GradientAscent();
            case "nll" -> new RetainNll();
            case "graddiff" -> ObjectiveSum.of(s.number("gamma"), new GradientAscent(), s.number("alpha"),
                    new RetainNll());
            case "kl" -> new KlToReference();
            case "npo" -> new Npo(s.number("beta"));
            case "npo_retain" -> ObjectiveSum.of(s.number("gamma"), new Npo(s.number("beta")), s.number("alpha"),
                    new RetainNll());
            case "simnpo" -> new SimNpo(s.number("beta"), s.number("delta"));
            case "dpo" -> new Dpo(s.number("beta"), s.flag("paper_scale"), "chosen", "rejected");
            case "idknll" -> new RetainNll("chosen");
            case "wga" -> new WeightedGradientAscent(s.number("beta"));
            case "satimp" -> new SatImp(s.number("beta1"), s.number("beta2"));
            case "undial" -> new Undial(s.number("beta"), s.flag("official_all_positions"), "forget");
            case "ceu" -> new CrossEntropyUnlearning(s.integer("ignore_first"), "forget");
            case "logit_margin" -> new LogitMarginFlattening(s.flag("official_mask"), "forget");
            case "rmu" -> rmu(s, config, tensors);
            case "altpo" -> ObjectiveSum.of(s.number("gamma"), new Dpo(s.number("beta"), false, "alternate", "forget"),
                    s.number("alpha"), new RetainNll());
            case "distillation" -> new Distillation("retain", s.number("temperature"), s.number("hard_weight"),
                    s.flag("every_position"));
            case "mean_logit_margin" -> new MeanLogitMargin();
            case "lunar" -> new Lunar(Rmu.layer(s.string("layer"), config.numLayers()), s.number("coeff"),
                    vector(tensors, "lunar_r_from", s.string("lunar_r_from"), config.hiddenSize()));
            default -> throw new IllegalStateException(name);
        };
    }

    private static Rmu rmu(Settings s, ModelConfig c, Function<String, double[]> tensors) {
        int layer = Rmu.layer(s.string("layer"), c.numLayers());
        String from = s.string("rmu_u_from");
        if (from.isBlank()) {
            return new Rmu(layer, s.number("steering"), s.number("alpha"), c.hiddenSize(), s.integer("seed"));
        }
        return new Rmu(layer, s.number("steering"), s.number("alpha"), vector(tensors, "rmu_u_from", from,
                c.hiddenSize()));
    }

    /** The hidden-size vector named by setting {@code key} (RMU's u, LUNAR's r), read through {@code tensors}. */
    private static double[] vector(Function<String, double[]> tensors, String key, String from, int hidden) {
        if (from.isBlank()) {
            throw new IllegalArgumentException("set " + key + "=TENSOR: the name of a tensor of " + hidden
                    + " values in the batch file");
        }
        if (tensors == null) {
            throw new IllegalArgumentException(key + "=" + from + " names a tensor, but no tensors were given");
        }
        double[] u;
        try {
            u = tensors.apply(from);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + "=" + from + ": " + e.getMessage(), e);
        }
        if (u.length != hidden) {
            throw new IllegalArgumentException(key + "=" + from + " has " + u.length + " values; the model's hidden"
                    + " size is " + hidden);
        }
        return u;
    }
}
