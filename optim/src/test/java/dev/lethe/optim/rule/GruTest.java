package dev.lethe.optim.rule;

import static dev.lethe.optim.testing.Vec.axpy;
import static dev.lethe.optim.testing.Vec.dot;
import static dev.lethe.optim.testing.Vec.get;
import static dev.lethe.optim.testing.Vec.maxRelDiff;
import static dev.lethe.optim.testing.Vec.scale;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lethe.engine.Tensor;
import dev.lethe.optim.Rng;
import dev.lethe.optim.Sgd;
import dev.lethe.optim.testing.Quadratic;
import dev.lethe.optim.testing.Vec;
import org.junit.jupiter.api.Test;

/** GRU's projection and moving average, step by step on quadratics, against the formulas written out with doubles. */
class GruTest {
    static final StepContext CTX = new StepContext(0, 0, new Rng(1));
    static final double[] CF = {1.0, 0.2, -0.5};
    static final double[] CR = {-1.0, 1.0, 0.3};

    /** Three SGD steps: the expected direction recomputes ĝ_r and the projection from the balls' gradients θ − c. */
    @Test
    void threeStepsMatchTheFormulaWithTheMovingAverage() {
        double gamma = 0.8;
        double lr = 0.3;
        Tensor t = Vec.theta(0, 0, 0);
        GradientOracle o = Vec.oracle(t, "forget", Quadratic.ball(CF), "retain", Quadratic.ball(CR));
        Gru gru = new Gru(gamma);
        Sgd sgd = new Sgd(lr);
        double[] theta = {0, 0, 0};
        double[] ema = {0, 0, 0};
        int projected = 0;
        for (int s = 0; s < 3; s++) {
            double[] gf = axpy(theta, -1, CF);
            double[] gr = axpy(theta, -1, CR);
            ema = axpy(scale(gamma, gr), 1 - gamma, ema);
            double c = dot(gf, ema);
            double[] want = c < 0 ? axpy(gf, -c / dot(ema, ema), ema) : gf;
            projected += c < 0 ? 1 : 0;
            Direction d = gru.direction(o, new StepContext(s, 0, new Rng(0)));
            assertThat(maxRelDiff(get(d.direction()), want)).as("step %d", s).isLessThan(1e-13);
            assertThat(d.metrics().get("gru/projected")).isEqualTo(c < 0 ? 1.0 : 0.0);
            if (c < 0) {
                assertThat(Math.abs(dot(get(d.direction()), ema))).isLessThan(1e-12); // orthogonal to ĝ_r
            }
            sgd.step(o.parameters(), d.direction());
            theta = axpy(theta, -lr, want);
        }
        assertThat(projected).as("the test must exercise the projection").isPositive();
    }

    @Test
    void agreeingGradientsPassThroughUnchanged() {
        Tensor t = Vec.theta(0, 0, 0);
        double[] same = {2.0, 0.5, -1.0};
        GradientOracle o = Vec.oracle(t, "forget", Quadratic.ball(same), "retain", Quadratic.ball(scale(3, same)));
        Direction d = new Gru(0.9).direction(o, CTX);
        assertThat(maxRelDiff(get(d.direction()), scale(-1, same))).isEqualTo(0.0);
        assertThat(d.metrics().get("gru/projected")).isEqualTo(0.0);
    }

    @Test
    void restoredStateContinuesBitForBit() {
        Tensor a = Vec.theta(0.1, 0.2, 0.3);
        Tensor b = Vec.theta(0.1, 0.2, 0.3);
        GradientOracle oa = Vec.oracle(a, "forget", Quadratic.ball(CF), "retain", Quadratic.ball(CR));
        GradientOracle ob = Vec.oracle(b, "forget", Quadratic.ball(CF), "retain", Quadratic.ball(CR));
        Gru first = new Gru(0.5);
        Sgd sgd = new Sgd(0.2);
        sgd.step(oa.parameters(), first.direction(oa, CTX).direction());
        sgd.step(ob.parameters(), new Gru(0.5).direction(ob, CTX).direction());
        Gru restored = new Gru(0.5);
        restored.loadState(first.state());
        double[] da = get(first.direction(oa, CTX).direction());
        double[] db = get(restored.direction(ob, CTX).direction());
        assertThat(da).containsExactly(db);
    }

    @Test
    void gammaOutOfRangeIsRefused() {
        assertThatThrownBy(() -> new Gru(0.0)).hasMessageContaining("(0, 1]");
        assertThatThrownBy(() -> new Gru(1.5)).hasMessageContaining("gamma");
    }
}
