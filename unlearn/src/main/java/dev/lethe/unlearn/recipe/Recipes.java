package dev.lethe.unlearn.recipe;

import dev.lethe.optim.influence.LmCleaner;
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
import dev.lethe.transformer.model.CausalLM;
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
import dev.lethe.unlearn.objective.RetainNll;
import dev.lethe.unlearn.objective.Rmu;
import dev.lethe.unlearn.objective.SatImp;
import dev.lethe.unlearn.objective.SimNpo;
import dev.lethe.unlearn.objective.Undial;
import dev.lethe.unlearn.objective.WeightedGradientAscent;
import dev.lethe.unlearn.select.TokenSelection;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

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
            "weight_decay", "0.01", "warmup_epochs", "1", "warmup_steps", "0", "schedule", "linear", "clip_norm", "0", "seed", "0",
            "template", "plain", "trainable", ".*",
            "lora_rank", "0", "lora_alpha", "16", "lora_dropout", "0", "lora_rslora", "false", "lora_target", "all-linear",
            "recompute", "false", "base_dtype", "float32",
            "su", "none", "su_threshold", "adaptive", "su_k", "0", "su_gamma", "0.5", "su_context", "2", "su_model", "");

    private static final Map<String, Recipe> ALL = new LinkedHashMap<>();

    static {
        add("ga", "arXiv 2401.06121", "gradient ascent on the forget set",
                m("L = -NLL(theta; D_f) = (1/N) sum_t log p_theta(y_t | x, y_<t) over forget answer tokens",
                        GradientAscent.class, "loss"),
                ordered(),
                (s, c) -> forgetOnly(new GradientAscent(), s));
        add("graddiff", "arXiv 2401.06121", "GA on forget + NLL on retain",
                m("L = -gamma NLL(theta; D_f) + alpha NLL(theta; D_r)", GradientAscent.class, "loss"),
                ordered("gamma", "1", "alpha", "1"),
                (s, c) -> withRetain(new GradientAscent(), new RetainNll(), s));
        add("kl", "arXiv 2401.06121", "GA on forget + KL to the original model on retain",
                m("L = -gamma NLL(theta; D_f) + alpha KL(p_ref || p_theta; D_r)", KlToReference.class, "loss"),
                ordered("gamma", "1",
                "alpha", "1"), (s, c) -> withRetain(new GradientAscent(), new KlToReference(), s));
        add("npo", "arXiv 2404.05868", "negative preference optimisation + retain NLL",
                m("L = -(2/beta) mean_i log sigmoid(-beta (log pi_theta(y_i|x_i) - log pi_ref(y_i|x_i))) + "
                        + "alpha NLL(theta; D_r)", Npo.class, "loss"),
                ordered("beta", "0.1",
                "gamma", "1", "alpha", "1"), (s, c) -> withRetain(new Npo(s.number("beta")), new RetainNll(), s));
        add("simnpo", "arXiv 2410.07163", "reference-free, length-normalised NPO + retain NLL",
                m("L = -(2/beta) mean_i log sigmoid(-(beta/|y_i|) log pi_theta(y_i|x_i) - beta delta) + "
                        + "alpha NLL(theta; D_r)", SimNpo.class, "loss"),
                ordered("beta", "4.5",
                "delta", "0", "gamma", "0.125", "alpha", "1"),
                (s, c) -> withRetain(new SimNpo(s.number("beta"), s.number("delta")), new RetainNll(), s));
        add("idkdpo", "arXiv 2401.06121", "DPO preferring an 'I don't know' answer over the forget answer + retain NLL",
                m("L = -(2/beta) mean_i log sigmoid(beta (Delta_i(y_idk) - Delta_i(y_forget))), Delta = "
                        + "log pi_theta - log pi_ref",
                        Dpo.class, "loss"),
                ordered("beta", "0.1", "gamma", "1", "alpha", "1"),
                (s, c) -> idk(withRetain(new Dpo(s.number("beta"), false, "idk", "forget"), new RetainNll(), s)));
        add("idknll", "arXiv 2401.06121", "NLL on 'I don't know' answers to forget questions + retain NLL",
                m("L = NLL(theta; x_f, y_idk) + alpha NLL(theta; D_r)", RetainNll.class, "loss"),
                ordered("gamma", "1", "alpha", "1"), (s, c) -> idk(withRetain(new RetainNll("idk"), new RetainNll(), s)));
        add("rmu", "arXiv 2403.03218", "steer layer activations on forget text to a random direction; keep retain's",
                m("L = mean ||h_l(theta; x_f) - c u||^2 + alpha mean ||h_l(theta; x_r) - h_l(ref; "
                        + "x_r)||^2",
                        Rmu.class, "loss"),
                ordered("layer", "auto", "steering", "6.5", "alpha", "1200", "lr", "5e-5", "trainable", "auto"),
                Recipes::rmu);
        add("undial", "arXiv 2402.10052", "self-distillation towards reference logits with the target pushed down",
                m("q_t = softmax(z_t^ref - beta onehot(y_t)), L = mean_t H(q_t, softmax(z_t^theta))",
                        Undial.class, "loss"),
                ordered("beta", "10", "lr", "1e-4"), (s, c) -> forgetOnly(new Undial(s.number("beta")), s));
        add("ceu", "arXiv 2503.01224", "cross-entropy to the model's own distribution without the true token",
                m("q_t = softmax(stopgrad(z_t) with z_{t,y_t} = -inf), L = mean_t H(q_t, softmax(z_t))",
                        CrossEntropyUnlearning.class, "loss"),
                ordered(), (s, c) -> forgetOnly(new CrossEntropyUnlearning(), s));
        add("wga", "arXiv 2502.19301", "token-weighted gradient ascent (w = p^beta) + retain NLL",
                m("L = -mean_t stopgrad(p_theta(y_t)^beta) CE_t + alpha NLL(theta; D_r)",
                        WeightedGradientAscent.class, "loss"),
                ordered("beta", "1", "gamma", "1", "alpha", "1"),
                (s, c) -> withRetain(new WeightedGradientAscent(s.number("beta")), new RetainNll(), s));
        add("satimp", "arXiv 2505.11953", "saturation/importance-weighted ascent + retain NLL",
                m("L = -mean_t stopgrad(p_t^beta1 (1 - p_t)^beta2) CE_t + alpha NLL(theta; D_r)", SatImp.class, "loss"),
                ordered("beta1", "5", "beta2", "1", "gamma", "0.1", "alpha", "1"),
                (s, c) -> withRetain(new SatImp(s.number("beta1"), s.number("beta2")), new RetainNll(), s));
        add("blur-npo", "arXiv 2506.08164", "bi-level: retain gradient projected off the NPO gradient, + gamma g_f",
                m("d = g_r - (<g_r, g_f> / ||g_f||^2) g_f + gamma g_f (g_f: NPO gradient, g_r: retain NLL "
                        + "gradient)",
                        Bilevel.class, "direction"),
                ordered("beta", "0.1", "gamma", "1", "variant", "lower"), (s, c) -> {
                    boolean upper = s.string("variant").equals("upper");
                    UpdateRule rule = upper ? Bilevel.upper(s.number("gamma")) : new Bilevel(s.number("gamma"));
                    return new Plan(objectives(new Npo(s.number("beta")), new RetainNll()), rule, s.string("trainable"),
                            false);
                });
        add("pdu", "arXiv 2506.05314", "logit-margin flattening under a retain-loss constraint (primal-dual)",
                m("min gamma L_f s.t. L_r <= eps: d = gamma g_f + lambda g_r, lambda <- max(0, lambda + "
                        + "eta (L_r - eps)), L_f = mean_t (max_v z_tv - mean_v z_tv)^2",
                        PrimalDual.class, "direction"),
                ordered("epsilon", "0.3", "lambda0", "100", "eta", "5", "dual_warmup_epochs", "5", "dual_update", "step",
                        "gamma", "1"), (s, c) -> new Plan(objectives(new LogitMarginFlattening(), new RetainNll()),
                        new PrimalDual(s.number("gamma"), s.number("epsilon"), s.number("lambda0"), s.number("eta"),
                                s.string("dual_update").equals("epoch") ? PrimalDual.Mode.EPOCH : PrimalDual.Mode.STEP,
                                s.integer("dual_warmup_epochs")), s.string("trainable"), false));
        add("npo-sam", "arXiv 2502.05374", "NPO + retain NLL with sharpness-aware forget gradients",
                m("g_f = grad L_f(theta + rho g/||g||), g = grad L_f(theta)", Sam.class, "evaluate"),
                ordered("beta", "0.015", "gamma", "1", "alpha", "2.25", "rho", "0.01", "lr", "5e-6"),
                (s, c) -> wrapNpo(s, Sam.around(weighted(s), s.number("rho"), "forget")));
        add("npo-rs", "arXiv 2502.05374", "NPO + retain NLL with randomized smoothing of the forget gradient",
                m("g_f = (1/n) sum_i grad L_f(theta + xi_i), xi_i ~ N(0, sigma^2 I)",
                        RandomizedSmoothing.class, "evaluate"),
                ordered("beta", "0.0125", "gamma", "1", "alpha", "2", "sigma", "1e-4", "samples", "3"),
                (s, c) -> wrapNpo(s, RandomizedSmoothing.around(weighted(s), s.number("sigma"), s.integer("samples"),
                        "forget")));
        add("npo-gp", "arXiv 2502.05374", "NPO + retain NLL + differentiable gradient-norm penalty on the forget loss",
                m("L~_f = L_f + rho ||grad L_f||, gradient grad L_f + rho H grad L_f / ||grad L_f||",
                        GradNormPenalty.class, "evaluate"),
                ordered("beta", "0.04", "gamma", "1", "alpha", "1", "rho", "10", "h", "1e-3", "lr", "7.5e-6"),
                (s, c) -> wrapNpo(s, GradNormPenalty.around(weighted(s), s.number("rho"), s.number("h"), "forget")));
        add("npo-cr", "arXiv 2502.05374", "NPO + retain NLL + curvature regularisation of the forget loss",
                m("L~_f = L_f + rho ||grad L_f(theta + h v) - grad L_f(theta)||, v = grad L_f / ||grad "
                        + "L_f||",
                        CurvatureRegularization.class, "evaluate"),
                ordered("beta", "0.035", "gamma", "1", "alpha", "1", "rho", "10", "h", "0.01", "lr", "8.5e-6"),
                (s, c) -> wrapNpo(s, CurvatureRegularization.around(weighted(s), s.number("rho"), s.number("h"),
                        "forget")));
        add("npo-wa", "arXiv 2502.05374", "NPO + retain NLL with weight averaging of the iterates",
                m("theta_bar <- theta_bar + (theta - theta_bar)/(n + 1) at steps s >= s0 with (s - s0) "
                        + "mod k = 0; theta <- theta_bar at the end",
                        WeightAveraging.class, "afterStep"),
                ordered("beta", "0.05", "gamma", "1", "alpha", "2", "wa_start", "100", "wa_every", "5", "lr", "5.5e-6"),
                (s, c) -> wrapNpo(s, WeightAveraging.around(weighted(s), s.integer("wa_start"), s.integer("wa_every"))));
        add("su-npo", "arXiv 2506.00876", "NPO + retain NLL on the critical forget tokens only (SU-Ngram masks)",
                m("NPO + alpha NLL_r with labels kept only on answer tokens whose score passes the "
                        + "threshold (+- context)",
                        TokenSelection.class, "apply"),
                ordered("beta", "0.1", "gamma", "1", "alpha", "1", "su", "ngram"),
                (s, c) -> withRetain(new Npo(s.number("beta")), new RetainNll(), s));
        add("gru", "arXiv 2503.09117", "forget gradient (GA or NPO) with its conflict with a moving average of the"
                + " retain gradient projected out",
                m("avg_r <- gamma g_r + (1 - gamma) avg_r; d = g_f - (<g_f,avg_r>/||avg_r||^2) avg_r if <g_f,avg_r> < 0,"
                        + " else g_f", Gru.class, "direction"),
                ordered("forget_loss", "ga", "beta", "0.1", "gamma_gru", "0.8"),
                (s, c) -> new Plan(objectives(forgetLoss(s), new RetainNll()), new Gru(s.number("gamma_gru")),
                        s.string("trainable"), false));
        add("altpo", "arXiv 2409.13474", "DPO preferring the model's own alternate answers over the forget answers"
                + " + retain NLL",
                m("L = -(2/beta) mean log sigmoid(beta (Delta(alternate) - Delta(forget))) + alpha NLL(D_r); alternates"
                        + " sampled from the model itself (AlternateAnswers)", Dpo.class, "loss"),
                ordered("beta", "0.1", "gamma", "1", "alpha", "1", "alternates", "generate",
                        "alt_per_question", "5", "alt_max_new_tokens", "64", "alt_prompt", "instruct",
                        "alt_temperature", "1"), (s, c) -> {
                    Plan p = withRetain(new Dpo(s.number("beta"), false, "alternate", "forget"), new RetainNll(), s);
                    return new Plan(p.objectives(), p.rule(), p.trainable(), false, true, null);
                });
        add("undo", "arXiv 2506.06278", "unlearn (NPO + retain NLL), noise the weights, distill the unlearned model's"
                + " outputs into the noised copy on retain data",
                m("unlearn; W <- (1 - a) W + a b N (Xavier); min sum p_T (log p_T - log p_S) / #tokens on retain data",
                        Distillation.class, "loss"),
                ordered("beta", "0.1", "gamma", "1", "alpha", "1",
                        "noise_alpha", "0.5", "noise_beta", "0.1", "distill_steps", "50", "distill_lr", "1e-4"),
                (s, c) -> {
                    Plan p = withRetain(new Npo(s.number("beta")), new RetainNll(), s);
                    return new Plan(p.objectives(), p.rule(), p.trainable(), false, false, new Plan.NoiseAndDistill(
                            s.number("noise_alpha"), s.number("noise_beta"), s.integer("distill_steps"),
                            s.number("distill_lr")));
                });
        add("lunar", "arXiv 2502.07218", "refit one MLP down-projection so forget activations move along a refusal"
                + " direction and retain ones stay",
                m("r = mean h_l(ref)[last] - mean h_l(D_f)[last]; L = MSE_f(h_l, h_l^0 + c r) + MSE_r(h_l, h_l^0),"
                        + " only W_down of layer l trains", Lunar.class, "loss"),
                ordered("layer", "auto", "coeff", "2", "reference_prompts", "",
                        "lr", "1e-3", "trainable", "auto"), Recipes::lunar);
        add("sibl", "arXiv 2506.12618 (the open-unlearning report; SIBL's own paper not verified)",
                "sparse bilevel augmented Lagrangian: masked inner retain steps, CG implicit correction, dual ascent on"
                        + " the retain constraint",
                m("K x theta <- theta - eta M grad(L_r + g1 |M theta|); solve M H_r M h = M grad L_in by CG;"
                        + " d = M (grad L_f + lambda grad L_r - H_AL h); lambda <- max(0, lambda + rho (L_r - eps))",
                        Sibl.class, "direction"),
                ordered("sparsity", "0.9",
                        "epsilon", "0.1", "inner_steps", "10", "inner_lr", "1e-4", "rho", "1", "l1", "1e-4",
                        "implicit", "true", "cg_iters", "10", "cg_tol", "1e-3", "fd_step", "1e-3", "lr", "1e-4",
                        "batch_size", "2", "max_steps", "20", "warmup_epochs", "0", "schedule", "constant"),
                (s, c) -> new Plan(objectives(new MeanLogitMargin(), new RetainNll()), new Sibl(new Sibl.Settings(
                        s.number("sparsity"), s.number("epsilon"), s.integer("inner_steps"), s.number("inner_lr"),
                        s.number("rho"), s.number("l1"), s.flag("implicit"), s.integer("cg_iters"), s.number("cg_tol"),
                        s.number("fd_step"))), s.string("trainable"), false));
        add("lmcleaner", "arXiv 2506.12618 (the open-unlearning report; LMCleaner's own paper not found)",
                "online unlearning without training: revert the fine-tuning batches that held the forget records, each"
                        + " propagated over the next K recorded steps (needs step records: finetune --set record_steps=K)",
                m("v = -u[t_z]; v <- (1 - eta_s lambda)(v - eta_s H_s v) for s = t_z+1..min(t_z+K, tau); theta <- theta"
                        + " + v + N(0, sigma^2 I)", LmCleaner.class, "correction"),
                ordered("step_records", "", "truncation", "800", "curvature", "fisher", "damping", "0", "epsilon", "0",
                        "delta", "1e-5", "sensitivity", "0", "fd_step", "1e-3"), Recipes::lmcleaner);
    }

    private Recipes() {
    }

    private static Plan lmcleaner(Settings s, ModelConfig c) {
        String dir = s.string("step_records");
        if (dir.isBlank()) {
            throw new IllegalArgumentException("recipe lmcleaner needs the step records of the fine-tuning run that"
                    + " taught the forget records: set step_records=DIR (./lethe finetune --set record_steps=K writes"
                    + " them to OUT/step_records)");
        }
        LmCleaner.Curvature curvature = switch (s.string("curvature")) {
            case "fisher" -> LmCleaner.Curvature.FISHER;
            case "hessian" -> LmCleaner.Curvature.HESSIAN;
            default -> throw new IllegalArgumentException("setting 'curvature' must be fisher or hessian, got '"
                    + s.string("curvature") + "'");
        };
        LmCleaner.Settings ls = new LmCleaner.Settings(s.integer("truncation"), curvature, s.number("damping"),
                s.number("epsilon"), s.number("delta"), s.number("sensitivity"), s.number("fd_step"),
                s.integer("seed"));
        return new Plan(Map.of(), new WeightedSum(Map.of()), s.string("trainable"), false, false, null,
                new Plan.InfluenceRemoval(Path.of(dir), ls));
    }

    private static void add(String name, String paper, String summary, Recipe.Method method,
            Map<String, String> defaults, Recipe.Planner planner) {
        ALL.put(name, new Recipe(name, paper, summary, method, defaults, planner));
    }

    /** The equation (one line) and the class and method that implement it; docs/methods.md is generated from these. */
    private static Recipe.Method m(String equation, Class<?> implementation, String member) {
        return new Recipe.Method(equation, implementation, member);
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

    private static Plan lunar(Settings s, ModelConfig c) {
        int layer = Rmu.layer(s.string("layer"), c.numLayers()); // "auto": layer 7 (the RMU and LUNAR runs) or less
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
        int layer = Rmu.layer(s.string("layer"), c.numLayers());
        String trainable = s.string("trainable");
        if (trainable.equals("auto")) {
            // the MLP output projections of the steered layer and the two below it, named as this family names them
            List<String> names = new ArrayList<>();
            for (int l = Math.max(0, layer - 2); l <= layer; l++) {
                names.add(Pattern.quote(CausalLM.mlpOutputWeight(c, l)));
            }
            trainable = String.join("|", names);
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
