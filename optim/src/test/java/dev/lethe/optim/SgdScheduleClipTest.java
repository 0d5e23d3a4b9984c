package dev.lethe.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import dev.lethe.engine.ParameterSet;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

class SgdScheduleClipTest {
    private static ParameterSet scalar(double v) {
        return ParameterSet.of(Map.of("p", Nd4j.createFromArray(new double[] {v})));
    }

    private static double run(Sgd opt, double... grads) {
        ParameterSet p = scalar(1.0);
        for (double g : grads) {
            opt.step(p, scalar(g));
        }
        return p.get("p").getDouble(0);
    }

    @Test
    void sgdMomentumDampeningNesterovByHand() {
        // momentum 0.9, dampening 0.5, lr 0.1, wd 0: b1 = g1 = 1; p = 1 - 0.1 = 0.9
        // b2 = 0.9*1 + 0.5*2 = 1.9; p = 0.9 - 0.19 = 0.71
        assertThat(run(new Sgd(0.1, 0.9, 0.5, 0, false), 1, 2)).isCloseTo(0.71, offset(1e-15));
        // nesterov, momentum 0.9: b1 = 1, d1 = 1 + 0.9 = 1.9 -> p = 0.81; b2 = 0.9 + 2 = 2.9, d2 = 2 + 2.61 = 4.61
        assertThat(run(new Sgd(0.1, 0.9, 0, 0, true), 1, 2)).isCloseTo(1 - 0.19 - 0.461, offset(1e-15));
        // weight decay 0.5, no momentum: d = 1 + 0.5*1 = 1.5 -> p = 0.85
        assertThat(run(new Sgd(0.1, 0, 0, 0.5, false), 1)).isCloseTo(0.85, offset(1e-15));
    }

    @Test
    void momentumBufferSurvivesSaveAndLoadAndAMissingBufferIsNamed() {
        Sgd first = new Sgd(0.1, 0.9, 0.5, 0, false);
        ParameterSet p = scalar(1.0);
        first.step(p, scalar(1));
        assertThat(first.state()).containsOnlyKeys("momentum_buffer");
        Sgd resumed = new Sgd(0.1, 0.9, 0.5, 0, false);
        resumed.loadState(p, first.steps(), first.state());
        resumed.step(p, scalar(2));
        // the same two steps as sgdMomentumDampeningNesterovByHand: b2 = 0.9*1 + 0.5*2 = 1.9, p = 0.9 - 0.19
        assertThat(p.get("p").getDouble(0)).isCloseTo(0.71, offset(1e-15));
        assertThat(resumed.steps()).isEqualTo(2);
        assertThatThrownBy(() -> new Sgd(0.1, 0.9, 0, 0, false).loadState(p, 3, new AdamW(0.1).state()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no 'momentum_buffer'");
        new Sgd(0.1).loadState(p, 3, Map.of()); // plain SGD keeps no state
    }

    @Test
    void schedulesFollowHuggingFace() {
        LrSchedule c = LrSchedule.constant(4);
        assertThat(new double[] {c.factor(0), c.factor(1), c.factor(3), c.factor(4), c.factor(100)})
                .containsExactly(0, 0.25, 0.75, 1, 1);
        LrSchedule lin = LrSchedule.linear(10, 110);
        assertThat(new double[] {lin.factor(0), lin.factor(5), lin.factor(10), lin.factor(60), lin.factor(110),
            lin.factor(200)}).containsExactly(0, 0.5, 1, 0.5, 0, 0);
        LrSchedule cos = LrSchedule.cosine(10, 110);
        assertThat(cos.factor(5)).isEqualTo(0.5);
        assertThat(cos.factor(10)).isEqualTo(1.0);
        assertThat(cos.factor(35)).isCloseTo(0.5 * (1 + Math.sqrt(0.5)), offset(1e-15));
        assertThat(cos.factor(60)).isCloseTo(0.5, offset(1e-15));
        assertThat(cos.factor(110)).isCloseTo(0.0, offset(1e-15));
        assertThat(LrSchedule.linear(0, 4).lr(2.0, 1)).isEqualTo(1.5);
    }

    @Test
    void clippingByHand() {
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> m = new LinkedHashMap<>();
        m.put("a", Nd4j.createFromArray(new double[] {3.0}));
        m.put("b", Nd4j.createFromArray(new double[] {4.0}));
        ParameterSet g = ParameterSet.of(m);
        assertThat(GradClip.clipGlobalNorm(g, 10.0)).isEqualTo(5.0);
        assertThat(g.get("a").getDouble(0)).isEqualTo(3.0); // untouched below the threshold
        assertThat(GradClip.clipGlobalNorm(g, 1.0)).isEqualTo(5.0);
        assertThat(g.get("a").getDouble(0)).isCloseTo(3.0 / (5.0 + 1e-6), offset(1e-15));
        assertThat(g.get("b").getDouble(0)).isCloseTo(4.0 / (5.0 + 1e-6), offset(1e-15));
    }

    @Test
    void trainableSelectionByRegex() {
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> m = new LinkedHashMap<>();
        for (int l = 0; l < 9; l++) {
            m.put("model.layers." + l + ".mlp.down_proj.weight", Nd4j.zeros(1));
            m.put("model.layers." + l + ".mlp.up_proj.weight", Nd4j.zeros(1));
        }
        ParameterSet s = Trainable.select(ParameterSet.of(m), "model\\.layers\\.(5|6|7)\\.mlp\\.down_proj\\.weight");
        assertThat(s.names()).containsExactly("model.layers.5.mlp.down_proj.weight",
                "model.layers.6.mlp.down_proj.weight", "model.layers.7.mlp.down_proj.weight");
        assertThatThrownBy(() -> Trainable.select(ParameterSet.of(m), "model\\.layers\\.5"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
