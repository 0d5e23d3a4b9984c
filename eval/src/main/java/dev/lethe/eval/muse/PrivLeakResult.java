package dev.lethe.eval.muse;

import dev.lethe.eval.metrics.PrivLeak;
import dev.lethe.eval.metrics.RocAuc;
import dev.lethe.eval.metrics.RocCurve;
import java.util.EnumMap;
import java.util.Map;

/**
 * MUSE's privacy leakage (arXiv 2407.06460, criterion C3; algorithms.md 11.2): for each attack the AUC of telling the
 * forget texts (label 0) from the holdout texts (label 1) in both conventions ({@link PrivLeakConvention}), the ROC
 * points of the chosen convention, and {@code privLeak = (AUC - AUC_ref) / AUC_ref * 100} of the chosen attack
 * ({@link PrivLeak#muse}, or {@link PrivLeak#openUnlearning} with the flipped AUCs), where {@code AUC_ref} is the
 * reference (retrained or retain) model's AUC in the same convention. About 0 is ideal; negative means the forget set
 * still looks trained-on (under-unlearning), positive means it looks less familiar than unseen text (over-unlearning).
 *
 * @param attacks         per attack: scores, both AUCs and the ROC curve
 * @param attack          the attack PrivLeak uses
 * @param convention      the AUC convention of {@code auc}, {@code referenceAuc} and every {@code roc}
 * @param auc             the chosen attack's AUC in the chosen convention
 * @param referenceAuc    the reference model's AUC (same attack, same convention)
 * @param referenceSource where the reference came from (a retain model, a report, a MUSE constant, or the default)
 * @param privLeak        PrivLeak in percent
 * @param truncated       forget + holdout documents cut to the maximum length
 */
public record PrivLeakResult(Map<MiaAttack, AttackResult> attacks, MiaAttack attack, PrivLeakConvention convention,
                             double auc, double referenceAuc, String referenceSource, double privLeak, int truncated) {

    /** One attack: the scores of both sets, its AUC in each convention and the ROC points of the chosen one. */
    public record AttackResult(double[] forgetScores, double[] holdoutScores, double aucMuse,
                               double aucOpenUnlearning, RocCurve roc) {
    }

    /** A reference AUC and where it came from. */
    public record Reference(double auc, String source) {
        public Reference {
            if (!(auc >= 0 && auc <= 1)) {
                throw new IllegalArgumentException("reference AUC " + auc + " must be in [0, 1]");
            }
        }

        /** This reference, after checking that PrivLeak can divide by it (AUC 0 in MUSE's convention, 1 in OU's). */
        public Reference requireUsable(PrivLeakConvention convention) {
            if (convention == PrivLeakConvention.MUSE ? auc == 0 : auc == 1) {
                throw new IllegalArgumentException("reference AUC " + auc + " (" + source + ") makes PrivLeak divide"
                        + " by zero in the " + convention.key() + " convention; the reference model separates forget"
                        + " from holdout texts perfectly, so use more texts or another reference");
            }
            return this;
        }

        /** 0.5, open-unlearning's default: a model that has seen neither set cannot tell them apart. */
        public static Reference chance() {
            return new Reference(0.5, "default 0.5 (a model that saw neither set)");
        }

        /**
         * A reference written on the command line: a number (an AUC in {@code convention}), or {@code news} /
         * {@code books} for MUSE's {@code AUC_RETRAIN} constants (MUSE convention; flipped to {@code 1 - AUC} for the
         * open-unlearning convention).
         */
        public static Reference parse(String value, PrivLeakConvention convention) {
            String v = value.strip().toLowerCase(java.util.Locale.ROOT);
            double muse;
            if (v.equals("news")) {
                muse = PrivLeak.MUSE_NEWS_RETRAIN_AUC;
            } else if (v.equals("books")) {
                muse = PrivLeak.MUSE_BOOKS_RETRAIN_AUC;
            } else {
                double x;
                try {
                    x = Double.parseDouble(v);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("reference AUC '" + value + "' is neither a number in [0, 1]"
                            + " nor news/books (MUSE's retrained-model AUCs)");
                }
                return new Reference(x, "given " + x + " (" + convention.key() + " convention)");
            }
            double auc = convention == PrivLeakConvention.MUSE ? muse : 1 - muse;
            return new Reference(auc, "MUSE AUC_RETRAIN[forget_holdout_Min-40%] for " + v + " = " + muse
                    + (convention == PrivLeakConvention.MUSE ? "" : ", flipped to 1 - AUC = " + auc));
        }
    }

    /** AUCs, ROC curves and PrivLeak from both sets' scores. */
    public static PrivLeakResult of(MiaScores forget, MiaScores holdout, MiaAttack attack,
                                    PrivLeakConvention convention, Reference reference) {
        Map<MiaAttack, AttackResult> out = new EnumMap<>(MiaAttack.class);
        for (MiaAttack a : MiaAttack.values()) {
            if (forget.has(a) && holdout.has(a)) {
                out.put(a, attack(forget.get(a), holdout.get(a), convention));
            }
        }
        if (!out.containsKey(attack)) {
            throw new IllegalArgumentException("PrivLeak attack " + attack.key() + " was not scored on both sets");
        }
        reference.requireUsable(convention);
        boolean muse = convention == PrivLeakConvention.MUSE;
        AttackResult chosen = out.get(attack);
        double auc = muse ? chosen.aucMuse() : chosen.aucOpenUnlearning();
        double leak = muse ? PrivLeak.muse(auc, reference.auc())
                : PrivLeak.openUnlearning(auc, reference.auc());
        return new PrivLeakResult(out, attack, convention, auc, reference.auc(), reference.source(), leak,
                forget.truncated() + holdout.truncated());
    }

    /**
     * Both AUCs of one attack: MUSE's {@code roc_curve(y, -s)} with forget 0 and holdout 1, and open-unlearning's
     * {@code roc_auc_score(y, s)} with the same labels; the ROC points are those of {@code convention}.
     */
    public static AttackResult attack(double[] forget, double[] holdout, PrivLeakConvention convention) {
        RocCurve muse = RocAuc.curve(negate(forget), negate(holdout));
        RocCurve ou = RocAuc.curve(forget, holdout);
        return new AttackResult(forget.clone(), holdout.clone(), muse.auc(), ou.auc(),
                convention == PrivLeakConvention.MUSE ? muse : ou);
    }

    private static double[] negate(double[] v) {
        double[] o = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            o[i] = -v[i];
        }
        return o;
    }
}
