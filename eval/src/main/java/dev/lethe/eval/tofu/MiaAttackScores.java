package dev.lethe.eval.tofu;

import dev.lethe.eval.metrics.RocCurve;

/**
 * One membership-inference attack's per-item scores (higher = less likely a member) for the members and the
 * non-members, its AUC and ROC curve in open-unlearning's convention (members class 0, non-members class 1).
 */
public record MiaAttackScores(double[] member, double[] nonMember, double auc, RocCurve roc)
        implements java.io.Serializable {

    public static MiaAttackScores of(double[] member, double[] nonMember) {
        RocCurve c = MiaResult.curve(member, nonMember);
        return new MiaAttackScores(member.clone(), nonMember.clone(), c.auc(), c);
    }
}
