package dev.lethe.unlearn.recipe;

import dev.lethe.optim.rule.Bilevel;
import dev.lethe.optim.rule.CurvatureRegularization;
import dev.lethe.optim.rule.GradNormPenalty;
import dev.lethe.optim.rule.Gru;
import dev.lethe.optim.rule.PrimalDual;
import dev.lethe.optim.rule.RandomizedSmoothing;
import dev.lethe.optim.rule.Sam;
import dev.lethe.optim.rule.Sibl;
import dev.lethe.optim.rule.UpdateRule;
import dev.lethe.optim.rule.WeightAveraging;
import dev.lethe.optim.rule.WeightedSum;
import dev.lethe.transformer.config.ModelConfig;
import dev.lethe.unlearn.objective.CrossEntropyUnlearning;
import dev.lethe.unlearn.objective.Dpo;
import dev.lethe.unlearn.objective.GradientAscent;
import dev.lethe.unlearn.objective.KlToReference;
import dev.lethe.unlearn.objective.LogitMarginFlattening;
import dev.lethe.unlearn.objective.Lunar;
import dev.lethe.unlearn.objective.MeanLogitMargin;
import dev.lethe.unlearn.objective.Npo;
import dev.lethe.unlearn.objective.Objective;
import dev.lethe.unlearn.objective.RetainNll;
import dev.lethe.unlearn.objective.Rmu;
import dev.lethe.unlearn.objective.SatImp;
import dev.lethe.unlearn.objective.SimNpo;
import dev.lethe.unlearn.objective.Undial;
import dev.lethe.unlearn.objective.WeightedGradientAscent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The published recipes, each a few lines: objectives on the forget (and retain) batches, the update rule, and the
 * defaults of the paper or official code (algorithms.md sections 1-5). Every recipe also takes the shared training
 * settings in {@link #COMMON} and the Selective Unlearning settings ({@code su=none|ngram|llm}, see
 * {@link dev.lethe.unlearn.select.TokenSelection}), so any recipe can be SU-wrapped.
 */
public final class Recipes {
    /** Training settings every recipe has (open-unlearning's TOFU defaults, algorithms.md 5.0). */
    public static final Map<String, String> COMMON = ordered(
            "lr", "1e-5", "epochs", "10", "max_steps", "0", "batch_size", "8", "grad_accum", "1", "max_length", "256",
            "weight_decay", "0.01", "warmup_epochs", "1", "schedule", "linear", "clip_norm", "0", "seed", "0",
            "template", "plain", "trainable", ".*",
            "su", "none", "su_threshold", "adaptive", "su_k", "0", "su_gamma", "0.5", "su_context", "2", "su_model", "");

    private static final Map<String, Recipe> ALL = new LinkedHashMap<>();

    static {
        add("ga", "arXiv 2401.06121", "gradient ascent on the forget set", ordered(),
                (s, c) -> forgetOnly(new GradientAscent(), s));
        add("graddiff", "arXiv 2401.06121", "GA on forget + NLL on retain", ordered("gamma", "1", "alpha", "1"),
                (s, c) -> withRetain(new GradientAscent(), new RetainNll(), s));
        add("kl", "arXiv 2401.06121", "GA on forget + KL to the original model on retain", ordered("gamma", "1",
                "alpha", "1"), (s, c) -> withRetain(new GradientAscent(), new KlToReference(), s));
        add("npo", "arXiv 2404.05868", "negative preference optimisation + retain NLL", ordered("beta", "0.1",
                "gamma", "1", "alpha", "1"), (s, c) -> withRetain(new Npo(s.number("beta")), new RetainNll(), s));
        add("simnpo", "arXiv 2410.07163", "reference-free, length-normalised NPO + retain NLL", ordered("beta", "4.5",
                "delta", "0", "gamma", "0.125", "alpha", "1"),
                (s, c) -> withRetain(new SimNpo(s.number("beta"), s.number("delta")), new RetainNll(), s));
        add("idkdpo", "arXiv 2401.06121", "DPO preferring an 'I don't know' answer over the forget answer + retain NLL",
                ordered("beta", "0.1", "gamma", "1", "alpha", "1"),
                (s, c) -> idk(withRetain(new Dpo(s.number("beta"), false, "idk", "forget"), new RetainNll(), s)));
        add("idknll", "arXiv 2401.06121", "NLL on 'I don't know' answers to forget questions + retain NLL",
                ordered("gamma", "1", "alpha", "1"), (s, c) -> idk(withRetain(new RetainNll("idk"), new RetainNll(), s)));
        add("rmu", "arXiv 2403.03218", "steer layer activations on forget text to a random direction; keep retain's",
                ordered("layer", "auto", "steering", "6.5", "alpha", "1200", "lr", "5e-5", "trainable", "auto"),
                Recipes::rmu);
        add("undial", "arXiv 2402.10052", "self-distillation towards reference logits with the target pushed down",
                ordered("beta", "10", "lr", "1e-4"), (s, c) -> forgetOnly(new Undial(s.number("beta")), s));
        add("ceu", "arXiv 2503.01224", "cross-entropy to the model's own distribution without the true token",
                ordered(), (s, c) -> forgetOnly(new CrossEntropyUnlearning(), s));
        add("wga", "arXiv 2502.19301", "token-weighted gradient ascent (w = p^beta) + retain NLL",
                ordered("beta", "1", "gamma", "1", "alpha", "1"),
                (s, c) -> withRetain(new WeightedGradientAscent(s.number("beta")), new RetainNll(), s));
        add("satimp", "arXiv 2505.11953", "saturation/importance-weighted ascent + retain NLL",
                ordered("beta1", "5", "beta2", "1", "gamma", "0.1", "alpha", "1"),
                (s, c) -> withRetain(new SatImp(s.number("beta1"), s.number("beta2")), new RetainNll(), s));
        add("blur-npo", "arXiv 2506.08164", "bi-level: retain gradient projected off the NPO gradient, + gamma g_f",
                ordered("beta", "0.1", "gamma", "1", "variant", "lower"), (s, c) -> {
                    boolean upper = s.string("variant").equals("upper");
                    UpdateRule rule = upper ? Bilevel.upper(s.number("gamma")) : new Bilevel(s.number("gamma"));
                    return new Plan(objectives(new Npo(s.number("beta")), new RetainNll()), rule, s.string("trainable"),
                            false);
                });
        add("pdu", "arXiv 2506.05314", "logit-margin flattening under a retain-loss constraint (primal-dual)",
                ordered("epsilon", "0.3", "lambda0", "100", "eta", "5", "dual_warmup_epochs", "5", "dual_update", "step",
                        "gamma", "1"), (s, c) -> new Plan(objectives(new LogitMarginFlattening(), new RetainNll()),
                        new PrimalDual(s.number("gamma"), s.number("epsilon"), s.number("lambda0"), s.number("eta"),
                                s.string("dual_update").equals("epoch") ? PrimalDual.Mode.EPOCH : PrimalDual.Mode.STEP,
                                s.integer("dual_warmup_epochs")), s.string("trainable"), false));
        add("npo-sam", "arXiv 2502.05374", "NPO + retain NLL with sharpness-aware forget gradients",
                ordered("beta", "0.015", "gamma", "1", "alpha", "2.25", "rho", "0.01", "lr", "5e-6"),
                (s, c) -> wrapNpo(s, Sam.around(weighted(s), s.number("rho"), "forget")));
        add("npo-rs", "arXiv 2502.05374", "NPO + retain NLL with randomized smoothing of the forget gradient",
                ordered("beta", "0.0125", "gamma", "1", "alpha", "2", "sigma", "1e-4", "samples", "3"),
                (s, c) -> wrapNpo(s, RandomizedSmoothing.around(weighted(s), s.number("sigma"), s.integer("samples"),
                        "forget")));
        add("npo-gp", "arXiv 2502.05374", "NPO + retain NLL + differentiable gradient-norm penalty on the forget loss",
                ordered("beta", "0.04", "gamma", "1", "alpha", "1", "rho", "10", "h", "1e-3", "lr", "7.5e-6"),
                (s, c) -> wrapNpo(s, GradNormPenalty.around(weighted(s), s.number("rho"), s.number("h"), "forget")));
        add("npo-cr", "arXiv 2502.05374", "NPO + retain NLL + curvature regularisation of the forget loss",
                ordered("beta", "0.035", "gamma", "1", "alpha", "1", "rho", "10", "h", "0.01", "lr", "8.5e-6"),
                (s, c) -> wrapNpo(s, CurvatureRegularization.around(weighted(s), s.number("rho"), s.number("h"),
                        "forget")));
        add("npo-wa", "arXiv 2502.05374", "NPO + retain NLL with weight averaging of the iterates",
                ordered("beta", "0.05", "gamma", "1", "alpha", "2", "wa_start", "100", "wa_every", "5", "lr", "5.5e-6"),
                (s, c) -> wrapNpo(s, WeightAveraging.around(weighted(s), s.integer("wa_start"), s.integer("wa_every"))));
        add("su-npo", "arXiv 2506.00876", "NPO + retain NLL on the critical forget tokens only (SU-Ngram masks)",
                ordered("beta", "0.1", "gamma", "1", "alpha", "1", "su", "ngram"),
                (s, c) -> withRetain(new Npo(s.number("beta")), new RetainNll(), s));
        add("gru", "arXiv 2503.09117", "forget gradient (GA or NPO) with its conflict with a moving average of the"
                + " retain gradient projected out", ordered("forget_loss", "ga", "beta", "0.1", "gamma_gru", "0.8"),
                (s, c) -> new Plan(objectives(forgetLoss(s), new RetainNll()), new Gru(s.number("gamma_gru")),
                        s.string("trainable"), false));
        add("altpo", "arXiv 2409.13474", "DPO preferring the model's own alternate answers over the forget answers"
                + " + retain NLL", ordered("beta", "0.1", "gamma", "1", "alpha", "1", "alternates", "generate",
                        "alt_per_question", "5", "alt_max_new_tokens", "64", "alt_prompt", "instruct",
                        "alt_temperature", "1"), (s, c) -> {
                    Plan p = withRetain(new Dpo(s.number("beta"), false, "alternate", "forget"), new RetainNll(), s);
                    return new Plan(p.objectives(), p.rule(), p.trainable(), false, true, null);
                });
        add("undo", "arXiv 2506.06278", "unlearn (NPO + retain NLL), noise the weights, distill the unlearned model's"
                + " outputs into the noised copy on retain data", ordered("beta", "0.1", "gamma", "1", "alpha", "1",
                        "noise_alpha", "0.5", "noise_beta", "0.1", "distill_steps", "50", "distill_lr", "1e-4"),
                (s, c) -> {
                    Plan p = withRetain(new Npo(s.number("beta")), new RetainNll(), s);
                    return new Plan(p.objectives(), p.rule(), p.trainable(), false, false, new Plan.NoiseAndDistill(
                            s.number("noise_alpha"), s.number("noise_beta"), s.integer("distill_steps"),
                            s.number("distill_lr")));
                });
        add("lunar", "arXiv 2502.07218", "refit one MLP down-projection so forget activations move along a refusal"
                + " direction and retain ones stay", ordered("layer", "auto", "coeff", "2", "reference_prompts", "",
                        "lr", "1e-3", "trainable", "auto"), Recipes::lunar);
        add("sibl", "open-unlearning PR #159 (paper not verified)", "sparse bilevel augmented Lagrangian: masked inner"
                + " retain steps, CG implicit correction, dual ascent on the retain constraint", ordered("sparsity", "0.9",
                        "epsilon", "0.1", "inner_steps", "10", "inner_lr", "1e-4", "rho", "1", "l1", "1e-4",
                        "implicit", "true", "cg_iters", "10", "cg_tol", "1e-3", "fd_step", "1e-3", "lr", "1e-4",
                        "batch_size", "2", "max_steps", "20", "warmup_epochs", "0", "schedule", "constant"),
                (s, c) -> new Plan(objectives(new MeanLogitMargin(), new RetainNll()), new Sibl(new Sibl.Settings(
                        s.number("sparsity"), s.number("epsilon"), s.integer("inner_steps"), s.number("inner_lr"),
                        s.number("rho"), s.number("l1"), s.flag("implicit"), s.integer("cg_iters"), s.number("cg_tol"),
                        s.number("fd_step"))), s.string("trainable"), false));
    }

    private Recipes() {
    }

    private static void add(String name, String paper, String summary, Map<String, String> defaults,
            Recipe.Planner planner) {
        ALL.put(name, new Recipe(name, paper, summary, defaults, planner));
    }

    static Map<String, String> ordered(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    private static Map<String, Objective> objectives(Objective forget, Objective retain) {
        Map<String, Objective> m = new LinkedHashMap<>();
        m.put("forget", forget);
        if (retain != null) {
            m.put("retain", retain);
        }
        return m;
    }

    private static WeightedSum weighted(Settings s) {
        return new WeightedSum(s.number("gamma"), s.number("alpha"));
    }

    private static Plan forgetOnly(Objective forget, Settings s) {
        return new Plan(objectives(forget, null), new WeightedSum(Map.of("forget", 1.0)), s.string("trainable"), false);
    }

    private static Plan withRetain(Objective forget, Objective retain, Settings s) {
        if (s.number("alpha") == 0) {
            return new Plan(objectives(forget, null), new WeightedSum(Map.of("forget", s.number("gamma"))),
                    s.string("trainable"), false);
        }
        return new Plan(objectives(forget, retain), weighted(s), s.string("trainable"), false);
    }

    private static Plan idk(Plan p) {
        return new Plan(p.objectives(), p.rule(), p.trainable(), true);
    }

    private static Plan wrapNpo(Settings s, UpdateRule rule) {
        return new Plan(objectives(new Npo(s.number("beta")), new RetainNll()), rule, s.string("trainable"), false);
    }

    private static Objective forgetLoss(Settings s) {
        return switch (s.string("forget_loss")) {
            case "ga" -> new GradientAscent();
            case "npo" -> new Npo(s.number("beta"));
            default -> throw new IllegalArgumentException("setting 'forget_loss' must be ga or npo, got '"
                    + s.string("forget_loss") + "'");
        };
    }

    /** The layer setting: "auto" is layer 7 (the RMU and LUNAR runs) or, on smaller models, the last but one. */
    private static int layer(Settings s, ModelConfig c) {
        return s.string("layer").equals("auto") ? Math.max(0, Math.min(7, c.numLayers() - 2)) : s.integer("layer");
    }

    private static Plan lunar(Settings s, ModelConfig c) {
        int layer = layer(s, c);
        if (layer < 0 || layer >= c.numLayers() - 1) {
            throw new IllegalArgumentException("setting 'layer' must be in [0, " + (c.numLayers() - 2) + "] for this"
                    + " model (the last layer's output is only seen after the final norm), got " + layer);
        }
        String ref = s.string("reference_prompts");
        if (ref.isBlank()) {
            throw new IllegalArgumentException("recipe lunar needs reference prompts (prompts the model refuses or"
                    + " cannot answer): set reference_prompts=FILE (JSON Lines with a \"question\" field, or one"
                    + " prompt per line)");
        }
        String trainable = s.string("trainable").equals("auto") ? "(model\\.layers\\." + layer
                + "\\.mlp\\.down_proj|transformer\\.h\\." + layer + "\\.mlp\\.c_proj)\\.weight"
                : s.string("trainable");
        return new Plan(objectives(new Lunar(layer, s.number("coeff"), Path.of(ref)), null),
                new WeightedSum(Map.of("forget", 1.0)), trainable, false);
    }

    private static Plan rmu(Settings s, ModelConfig c) {
        int layer = layer(s, c);
        String trainable = s.string("trainable");
        if (trainable.equals("auto")) {
            List<String> ids = new ArrayList<>();
            for (int l = Math.max(0, layer - 2); l <= layer; l++) {
                ids.add(Integer.toString(l));
            }
            trainable = "model\\.layers\\.(" + String.join("|", ids) + ")\\.mlp\\.down_proj\\.weight";
        }
        Rmu rmu = new Rmu(layer, s.number("steering"), s.number("alpha"), c.hiddenSize(), s.integer("seed"));
        return new Plan(objectives(rmu, null), new WeightedSum(Map.of("forget", 1.0)), trainable, false);
    }

    /** A recipe by name; an unknown name lists the known ones. */
    public static Recipe get(String name) {
        Recipe r = ALL.get(name);
        if (r == null) {
            throw new IllegalArgumentException("unknown recipe '" + name + "'; known: " + ALL.keySet());
        }
        return r;
    }

    public static List<Recipe> all() {
        return List.copyOf(ALL.values());
    }
}
