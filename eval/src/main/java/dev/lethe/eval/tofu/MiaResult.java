package dev.lethe.eval.tofu;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.lethe.eval.metrics.RocAuc;
import dev.lethe.eval.metrics.RocCurve;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Membership inference on TOFU-style QA data: per-item LOSS scores (mean answer NLL, higher = less likely a member) and
 * Min-k% scores (k = 0.4) of the members (the forget set) and the non-members (a holdout set the model never saw).
 * AUCs follow open-unlearning's {@code mia_auc} convention: {@code roc_auc_score} with members labelled 0, non-members
 * 1 and the score as is, so 1.0 means the forget set is perfectly recognised as trained-on, 0.5 means it looks like
 * unseen data (what a retain model gives). {@code lossRoc} and {@code minKRoc} are the ROC points those AUCs integrate
 * ({@code sklearn.metrics.roc_curve}, same labels and scores). {@code attacks} holds the further attacks by name
 * ({@link #GRAD_NORM}, {@link #LOWERCASE}, {@link #REFERENCE}), each with its scores, AUC and ROC curve.
 */
public record MiaResult(String members, String nonMembers, double[] memberLoss, double[] nonMemberLoss,
                        double lossAuc, double[] memberMinK, double[] nonMemberMinK,
                        @JsonProperty("min_k_auc") double minKAuc, RocCurve lossRoc,
                        @JsonProperty("min_k_roc") RocCurve minKRoc, Map<String, MiaAttackScores> attacks)
        implements java.io.Serializable {
    /** Gradient-norm attack (L2, {@link dev.lethe.eval.metrics.GradNormScore}). */
    public static final String GRAD_NORM = "grad_norm";
    /** Lowercase attack ({@link dev.lethe.eval.metrics.LowercaseScore}). */
    public static final String LOWERCASE = "lowercase";
    /** Reference-model attack ({@link dev.lethe.eval.metrics.ReferenceScore}). */
    public static final String REFERENCE = "reference";

    public MiaResult {
        attacks = attacks == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(attacks));
    }

    /** Builds the result, its AUCs and ROC curves from the scores; no further attacks. */
    public static MiaResult of(String members, String nonMembers, double[] memberLoss, double[] nonMemberLoss,
                               double[] memberMinK, double[] nonMemberMinK) {
        RocCurve loss = curve(memberLoss, nonMemberLoss);
        RocCurve minK = curve(memberMinK, nonMemberMinK);
        return new MiaResult(members, nonMembers, memberLoss.clone(), nonMemberLoss.clone(), loss.auc(),
                memberMinK.clone(), nonMemberMinK.clone(), minK.auc(), loss, minK, Map.of());
    }

    /** This result with one more attack (replacing one of the same name). */
    public MiaResult withAttack(String name, MiaAttackScores scores) {
        Map<String, MiaAttackScores> m = new LinkedHashMap<>(attacks);
        m.put(name, scores);
        return new MiaResult(members, nonMembers, memberLoss, nonMemberLoss, lossAuc, memberMinK, nonMemberMinK,
                minKAuc, lossRoc, minKRoc, m);
    }

    /** AUC with members as class 0 and non-members as class 1 (OU convention). */
    public static double auc(double[] member, double[] nonMember) {
        return curve(member, nonMember).auc();
    }

    /** ROC curve with members as class 0 and non-members as class 1 (OU convention). */
    public static RocCurve curve(double[] member, double[] nonMember) {
        return RocAuc.curve(member, nonMember);
    }
}
