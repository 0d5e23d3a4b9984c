package dev.lethe.transformer.generate;

import dev.lethe.transformer.model.CausalLM;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A decoding method and its settings, as a CLI flag set or a server request's options carry them: plain greedy or
 * sampled decoding, contrastive decoding against an amateur ({@link ContrastiveDecoding}) or APD against ALM'
 * ({@link AsymptoticProbabilityDecoding}). Immutable and shareable; {@link #processors} makes fresh, request-scoped
 * processors for each generate call.
 *
 * @param method             which method
 * @param alpha              CD plausibility threshold in (0, 1]
 * @param amateurTemperature CD weight tau of the amateur's log-probability
 * @param cdTopK             CD: also keep only the expert's top-k (0 = off)
 * @param apdTopP            APD nucleus of the LLM
 * @param apdTopK            APD top-k of the LLM
 * @param apdTemperature     APD weight T of ALM's log-probability
 */
public record Decoding(Method method, double alpha, double amateurTemperature, int cdTopK, double apdTopP,
                       int apdTopK, double apdTemperature) {

    /** The methods of {@code --decoding}. */
    public enum Method { GREEDY, SAMPLE, CD, APD }

    /** The option names {@link #fromOptions} reads. */
    public static final Set<String> OPTION_NAMES = Set.of("decoding", "alpha", "amateur_temperature", "cd_top_k",
            "apd_top_p", "apd_top_k", "apd_temperature");

    public Decoding {
        if (method == null) {
            throw new IllegalArgumentException("decoding method missing: use greedy, sample, cd or apd");
        }
        ContrastiveDecoding.checkAlpha(alpha);
    }

    /** The method with its defaults: CD alpha 0.1 (CD paper), tau 0.5 (APD code, Pythia-70M), APD p 0.6, k 20, T 1. */
    public static Decoding of(Method method) {
        return new Decoding(method, 0.1, 0.5, 0, AsymptoticProbabilityDecoding.DEFAULT_TOP_P,
                AsymptoticProbabilityDecoding.DEFAULT_TOP_K, AsymptoticProbabilityDecoding.DEFAULT_TEMPERATURE);
    }

    /** Parses a method name (greedy, sample, cd, apd; any case). */
    public static Method method(String name) {
        try {
            return Method.valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown decoding '" + name + "': use greedy, sample, cd or apd");
        }
    }

    /**
     * Settings from a map of options (a server request's JSON object): {@code decoding} (greedy|sample|cd|apd, default
     * greedy), {@code alpha}, {@code amateur_temperature}, {@code cd_top_k}, {@code apd_top_p}, {@code apd_top_k},
     * {@code apd_temperature}; values may be numbers or strings; other keys are ignored unless they start with
     * {@code cd_}/{@code apd_} (a misspelt option is an error, not silently dropped).
     */
    public static Decoding fromOptions(Map<String, ?> options) {
        for (String k : options.keySet()) {
            if ((k.startsWith("cd_") || k.startsWith("apd_")) && !OPTION_NAMES.contains(k)) {
                throw new IllegalArgumentException("unknown decoding option '" + k + "': known are " + OPTION_NAMES);
            }
        }
        Object m = options.get("decoding");
        Decoding d = of(m == null ? Method.GREEDY : method(m.toString()));
        return new Decoding(d.method, number(options, "alpha", d.alpha),
                number(options, "amateur_temperature", d.amateurTemperature),
                (int) number(options, "cd_top_k", d.cdTopK), number(options, "apd_top_p", d.apdTopP),
                (int) number(options, "apd_top_k", d.apdTopK), number(options, "apd_temperature", d.apdTemperature));
    }

    private static double number(Map<String, ?> options, String key, double dflt) {
        Object v = options.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        try {
            return Double.parseDouble(v.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("decoding option '" + key + "' must be a number, got '" + v + "'");
        }
    }

    /** Whether the method needs a second model: the amateur (CD) or ALM' (APD). */
    public boolean needsSecondModel() {
        return method == Method.CD || method == Method.APD;
    }

    /** The second model's name in messages and flags: "amateur" or "ALM'". */
    public String secondModelRole() {
        return method == Method.CD ? "amateur" : "ALM'";
    }

    /**
     * Fresh processors for one generate call of {@code model} (none for greedy and sample); {@code second} is the
     * amateur or ALM', checked to share the model's vocabulary.
     */
    public LogitsProcessor[] processors(CausalLM model, CausalLM second) {
        if (needsSecondModel() && second == null) {
            throw new IllegalArgumentException("--decoding " + method.name().toLowerCase(Locale.ROOT) + " needs the "
                    + secondModelRole() + " model: pass " + (method == Method.CD ? "--amateur DIR" : "--alm DIR")
                    + (method == Method.APD ? " (train one with ./lethe apd fit)" : ""));
        }
        return switch (method) {
            case GREEDY, SAMPLE -> new LogitsProcessor[0];
            case CD -> new LogitsProcessor[] {ContrastiveDecoding.of(model, second, alpha, amateurTemperature, cdTopK)};
            case APD -> {
                CompanionModel.requireSameVocabulary(model, second, "ALM'");
                yield new LogitsProcessor[] {new AsymptoticProbabilityDecoding(second, apdTopP, apdTopK,
                        apdTemperature)};
            }
        };
    }
}
