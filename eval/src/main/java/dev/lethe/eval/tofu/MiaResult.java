package dev.lethe.eval.tofu;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.lethe.eval.metrics.RocAuc;

/**
 * Membership inference on TOFU-style QA data: per-item LOSS scores (mean answer NLL, higher = less likely a member) and
 * Min-k% scores (k = 0.4) of the members (the forget set) and the non-members (a holdout set the model never saw).
 * AUCs follow open-unlearning's {@code mia_auc} convention: {@code roc_auc_score} with members labelled 0, non-members
 * 1 and the score as is, so 1.0 means the forget set is perfectly recognised as trained-on, 0.5 means it looks like
 * unseen data (what a retain model gives).
 */
public record MiaResult(String members, String nonMembers, double[] memberLoss, double[] nonMemberLoss,
                        double lossAuc, double[] memberMinK, double[] nonMemberMinK,
                        @JsonProperty("min_k_auc") double minKAuc) {

    /** Builds the result and its AUCs from the scores. */
    public static MiaResult of(String members, String nonMembers, double[] memberLoss, double[] nonMemberLoss,
                               double[] memberMinK, double[] nonMemberMinK) {
        return new MiaResult(members, nonMembers, memberLoss.clone(), nonMemberLoss.clone(),
                auc(memberLoss, nonMemberLoss), memberMinK.clone(), nonMemberMinK.clone(),
                auc(memberMinK, nonMemberMinK));
    }

    /** AUC with members as class 0 and non-members as class 1 (OU convention). */
    public static double auc(double[] member, double[] nonMember) {
        boolean[] label = new boolean[member.length + nonMember.length];
        double[] score = new double[label.length];
        System.arraycopy(member, 0, score, 0, member.length);
        System.arraycopy(nonMember, 0, score, member.length, nonMember.length);
        for (int i = member.length; i < label.length; i++) {
            label[i] = true;
        }
        return RocAuc.score(label, score);
    }
}
