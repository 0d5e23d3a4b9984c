package dev.lethe.eval.tofu;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.lethe.eval.metrics.RocAuc;
import dev.lethe.eval.metrics.RocCurve;

/**
 * Membership inference on TOFU-style QA data: per-item LOSS scores (mean answer NLL, higher = less likely a member) and
 * Min-k% scores (k = 0.4) of the members (the forget set) and the non-members (a holdout set the model never saw).
 * AUCs follow open-unlearning's {@code mia_auc} convention: {@code roc_auc_score} with members labelled 0, non-members
 * 1 and the score as is, so 1.0 means the forget set is perfectly recognised as trained-on, 0.5 means it looks like
 * unseen data (what a retain model gives). {@code lossRoc} and {@code minKRoc} are the ROC points those AUCs integrate
 * ({@code sklearn.metrics.roc_curve}, same labels and scores).
 */
public record MiaResult(String members, String nonMembers, double[] memberLoss, double[] nonMemberLoss,
                        double lossAuc, double[] memberMinK, double[] nonMemberMinK,
                        @JsonProperty("min_k_auc") double minKAuc, RocCurve lossRoc,
                        @JsonProperty("min_k_roc") RocCurve minKRoc) implements java.io.Serializable {

    /** Builds the result, its AUCs and ROC curves from the scores. */
    public static MiaResult of(String members, String nonMembers, double[] memberLoss, double[] nonMemberLoss,
                               double[] memberMinK, double[] nonMemberMinK) {
        RocCurve loss = curve(memberLoss, nonMemberLoss);
        RocCurve minK = curve(memberMinK, nonMemberMinK);
        return new MiaResult(members, nonMembers, memberLoss.clone(), nonMemberLoss.clone(), loss.auc(),
                memberMinK.clone(), nonMemberMinK.clone(), minK.auc(), loss, minK);
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
