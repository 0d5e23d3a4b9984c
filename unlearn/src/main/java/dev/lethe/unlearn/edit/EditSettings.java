package dev.lethe.unlearn.edit;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Knobs of ROME, MEMIT and K-Edit, defaulting to the published GPT-J settings where they carry over (MEMIT repo
 * hparams): value optimisation with Adam (lr 0.5, 25 steps, KL factor 0.0625, weight decay 0.5), the value clamped to
 * 4·‖h‖ for ROME (MLP output) and 0.75·‖h‖ for MEMIT (residual stream), MEMIT's λ = 15000 scaled
 * by the MLP width F as F/16384 (GPT-J's width; our choice: kᵀ(λC)⁻¹k grows like F/λ, so a fixed λ would all but cancel
 * edits in narrow models).
 *
 * @param method          rome (one edit at a time), memit (one batch) or kedit (MEMIT + contextual edits)
 * @param layers          edited layers; null picks GPT-J's relative depth (ROME layer 5/28, MEMIT layers 3..8/28)
 * @param prefixes        context prefixes the keys are averaged over and the target NLL is taken under ("" = none)
 * @param clampNormFactor NaN = the method's default above
 * @param momentWeight    MEMIT's λ; NaN = 15000·F/16384
 * @param statsTexts      at most this many corpus texts for the second-moment statistics
 * @param kgHops          K-Edit: longest knowledge-graph path (in hops, counting the edited fact) turned into an edit
 * @param kgRelations     K-Edit: relations a contextual edit may follow; empty = all
 * @param batchSize       MEMIT and K-Edit: requests applied per batch, batches one after another on the edited model
 *                        (MEMIT's sequential batches); 0 = all in one batch. ROME always edits one request at a time.
 */
public record EditSettings(EditMethod method, int[] layers, int valueSteps, double valueLr, double klFactor, double weightDecay,
                           double clampNormFactor, double momentWeight, List<String> prefixes, String klPrompt,
                           int statsTexts, int statsMaxTokens, int kgHops, Set<String> kgRelations, int batchSize) {

    public static EditSettings defaults() {
        return new EditSettings(EditMethod.MEMIT, null, 25, 0.5, 0.0625, 0.5, Double.NaN, Double.NaN, List.of(""), "{} is a", 1000, 256, 2,
                Set.of(), 0);
    }

    /** The edited layers for a model of {@code numLayers} layers, checked against it. */
    public int[] layersFor(int numLayers) {
        int[] ls = layers;
        if (ls == null) {
            ls = method == EditMethod.ROME ? new int[] {5 * numLayers / 28}
                    : java.util.stream.IntStream.rangeClosed(3 * numLayers / 28, 8 * numLayers / 28).toArray();
        }
        for (int l : ls) {
            if (l < 0 || l >= numLayers) {
                throw new IllegalArgumentException("layer " + l + " is out of range: the model has " + numLayers
                        + " layers (0.." + (numLayers - 1) + "); fix --layers");
            }
        }
        if (ls[ls.length - 1] == numLayers - 1) {
            throw new IllegalArgumentException("layer " + (numLayers - 1) + " is the last layer: a value written there at"
                    + " the subject cannot reach the tokens after it; edit layers below " + (numLayers - 1));
        }
        if (method == EditMethod.ROME && ls.length != 1) {
            throw new IllegalArgumentException("ROME edits one layer, got --layers " + Arrays.toString(ls));
        }
        return ls;
    }

    public double clampFor() {
        return !Double.isNaN(clampNormFactor) ? clampNormFactor : method == EditMethod.ROME ? 4.0 : 0.75;
    }

    /** λ for an MLP of width {@code f}. */
    public double momentWeightFor(long f) {
        return !Double.isNaN(momentWeight) ? momentWeight : 15000.0 * f / 16384.0;
    }

    public EditSettings withMethod(EditMethod m) {
        return new EditSettings(m, layers, valueSteps, valueLr, klFactor, weightDecay, clampNormFactor, momentWeight,
                prefixes, klPrompt, statsTexts, statsMaxTokens, kgHops, kgRelations, batchSize);
    }

    public EditSettings withLayers(int... l) {
        return new EditSettings(method, l, valueSteps, valueLr, klFactor, weightDecay, clampNormFactor, momentWeight, prefixes,
                klPrompt, statsTexts, statsMaxTokens, kgHops, kgRelations, batchSize);
    }

    /** One {@code --set key=value}; keys are the record's component names. */
    public EditSettings with(String key, String value) {
        EditMethod m = method;
        int[] l = layers;
        int steps = valueSteps;
        double lr = valueLr;
        double kl = klFactor;
        double wd = weightDecay;
        double clamp = clampNormFactor;
        double lambda = momentWeight;
        List<String> pre = prefixes;
        String klp = klPrompt;
        int texts = statsTexts;
        int maxTok = statsMaxTokens;
        int hops = kgHops;
        Set<String> rels = kgRelations;
        int batch = batchSize;
        try {
            switch (key) {
                case "method" -> m = EditMethod.parse(value);
                case "layers" -> l = Arrays.stream(value.split(",")).map(String::trim).mapToInt(Integer::parseInt)
                        .toArray();
                case "valueSteps" -> steps = Integer.parseInt(value);
                case "valueLr" -> lr = Double.parseDouble(value);
                case "klFactor" -> kl = Double.parseDouble(value);
                case "weightDecay" -> wd = Double.parseDouble(value);
                case "clampNormFactor" -> clamp = Double.parseDouble(value);
                case "momentWeight" -> lambda = Double.parseDouble(value);
                case "prefixes" -> pre = List.of(value.split("\\|", -1));
                case "klPrompt" -> klp = value;
                case "statsTexts" -> texts = Integer.parseInt(value);
                case "statsMaxTokens" -> maxTok = Integer.parseInt(value);
                case "kgHops" -> hops = Integer.parseInt(value);
                case "kgRelations" -> rels = value.isBlank() ? Set.of() : Set.of(value.split(","));
                case "batchSize" -> batch = Integer.parseInt(value);
                default -> throw new IllegalArgumentException("unknown edit setting '" + key + "': use one of method, layers,"
                        + " valueSteps, valueLr, klFactor, weightDecay, clampNormFactor, momentWeight, prefixes"
                        + " (|-separated), klPrompt, statsTexts, statsMaxTokens, kgHops, kgRelations (comma-separated), batchSize");
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("edit setting " + key + "=" + value + " is not a number");
        }
        if (!klp.contains("{}")) {
            throw new IllegalArgumentException("klPrompt '" + klp + "' must contain {} for the subject");
        }
        if (batch < 0) {
            throw new IllegalArgumentException("edit setting batchSize=" + value + " is negative: give 0 (all requests in"
                    + " one batch) or a positive batch size");
        }
        return new EditSettings(m, l, steps, lr, kl, wd, clamp, lambda, pre, klp, texts, maxTok, hops, rels, batch);
    }
}
