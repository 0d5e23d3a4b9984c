package dev.lethe.unlearn.objective;

import dev.lethe.engine.Tape;
import dev.lethe.engine.Tensor;
import dev.lethe.engine.ops.Elementwise;
import dev.lethe.engine.ops.Reductions;
import dev.lethe.engine.ops.Shaping;

/**
 * Logit-margin flattening (arXiv 2506.05314, sec. 2.2 of algorithms.md): m_t = max_v z_{t,v} - mean_v z_{t,v},
 * L = sum_t mask_t m_t^2 / sum_t mask_t. Softmax-free; pushes each scored position towards uniform. By default the
 * mask is the shifted one (positions whose next token is scored, as every other loss here); {@code officialMask}
 * uses open-unlearning's unshifted mask (labels != -100 at the same position), which is off by one.
 */
public record LogitMarginFlattening(boolean officialMask, String batchName) implements Objective {
    public LogitMarginFlattening() {
        this(false, "forget");
    }

    @Override
    public String name() {
        return "logit_margin";
    }

    @Override
    public Tensor loss(LossContext ctx) {
        Tape t = ctx.tape();
        ModelScores s = ctx.scores(batchName);
        int b = s.batch();
        int len = s.length();
        Tensor z = Shaping.slice(t, s.logits(), 1, 0, len - 1);
        double[] mask = new double[b * (len - 1)];
        int count = 0;
        int[] labels = ctx.batch(batchName).labels();
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < len - 1; j++) {
                int lab = officialMask ? labels[i * len + j] : labels[i * len + j + 1];
                mask[i * (len - 1) + j] = lab == -100 ? 0 : 1;
                count += lab == -100 ? 0 : 1;
            }
        }
        Tensor margin = Elementwise.sub(t, Reductions.max(t, z, -1, false), Reductions.mean(t, z, false, -1));
        Tensor sq = Elementwise.mul(t, Elementwise.mul(t, margin, margin), Terms.tokenConstant(t, s, mask));
        return Elementwise.mulScalar(t, Reductions.sumAll(t, sq), 1.0 / Math.max(1, count));
    }
}
