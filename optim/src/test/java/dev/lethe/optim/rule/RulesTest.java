package dev.lethe.optim.rule;

import static dev.lethe.optim.testing.Vec.axpy;
import static dev.lethe.optim.testing.Vec.dot;
import static dev.lethe.optim.testing.Vec.get;
import static dev.lethe.optim.testing.Vec.maxRelDiff;
import static dev.lethe.optim.testing.Vec.norm;
import static dev.lethe.optim.testing.Vec.scale;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import dev.lethe.engine.Tensor;
import dev.lethe.optim.Rng;
import dev.lethe.optim.Sgd;
import dev.lethe.optim.testing.Quadratic;
import dev.lethe.optim.testing.Vec;
import org.junit.jupiter.api.Test;

/** Every rule on quadratics whose answers are known in closed form. */
class RulesTest {
    // forget: A_f SPD, b_f; retain: A_r SPD, b_r
    static final Quadratic F = new Quadratic(new double[][] {{3, 1, 0}, {1, 2, 0.5}, {0, 0.5, 1}},
            new double[] {1, -2, 0.5}, 0.25);
    static final Quadratic R = new Quadratic(new double[][] {{2, 0, 0.3}, {0, 1, 0}, {0.3, 0, 4}},
            new double[] {-1, 0.5, 2}, 1.0);
    static final double[] X = {0.7, -0.4, 1.3};
    static final StepContext CTX = new StepContext(0, 0, new Rng(7));

    private static GradientOracle oracle(Tensor theta) {
        return Vec.oracle(theta, "forget", F, "retain", R);
    }

    @Test
    void weightedSum() {
        Tensor t = Vec.theta(X);
        Direction d = new WeightedSum(2.0, 0.5).direction(oracle(t), CTX);
        double[] want = axpy(scale(2.0, F.grad(X)), 0.5, R.grad(X));
        assertThat(maxRelDiff(get(d.direction()), want)).isLessThan(1e-14);
        assertThat(d.metrics().get("loss/forget")).isCloseTo(F.value(X), offset(1e-13));
        assertThat(d.metrics().get("loss/retain")).isCloseTo(R.value(X), offset(1e-13));
    }

    @Test
    void bilevelDirectionKeepsGammaTimesForgetNormSquared() {
        for (double gamma : new double[] {0.0, 1.0, 2.5}) {
            Tensor t = Vec.theta(X);
            Direction d = new Bilevel(gamma).direction(oracle(t), CTX);
            double[] gf = F.grad(X);
            double[] gr = R.grad(X);
            double[] dir = get(d.direction());
            assertThat(dot(dir, gf)).isCloseTo(gamma * dot(gf, gf), offset(1e-12 * dot(gf, gf)));
            // d = g_r − (⟨g_r,g_f⟩/‖g_f‖²) g_f + γ g_f
            double[] want = axpy(gr, gamma - dot(gr, gf) / dot(gf, gf), gf);
            assertThat(maxRelDiff(dir, want)).isLessThan(1e-14);
            assertThat(d.metrics().get("bilevel/cos")).isCloseTo(dot(gf, gr) / (norm(gf) * norm(gr)), offset(1e-14));
        }
        // upper: ⟨d, g_r⟩ = γ‖g_r‖²
        Tensor t = Vec.theta(X);
        double[] dir = get(Bilevel.upper(1.5).direction(oracle(t), CTX).direction());
        double[] gr = R.grad(X);
        assertThat(dot(dir, gr)).isCloseTo(1.5 * dot(gr, gr), offset(1e-12 * dot(gr, gr)));
    }

    @Test
    void bilevelFallsBackToRetainGradientAtForgetMinimum() {
        // forget = ½‖θ − c‖² evaluated at θ = c has g_f = 0 exactly
        double[] c = {0.5, -1.0, 2.0};
        Tensor t = Vec.theta(c);
        GradientOracle o = Vec.oracle(t, "forget", Quadratic.ball(c), "retain", R);
        double[] dir = get(new Bilevel(1.0).direction(o, CTX).direction());
        assertThat(maxRelDiff(dir, R.grad(c))).isEqualTo(0.0);
    }

    @Test
    void primalDualConvergesToKktPointAndMultiplier() {
        // min ½‖θ − a‖² s.t. ½‖θ‖² ≤ ε, a = (2, 1, −2), ‖a‖ = 3, ε = ½: θ* = a/3, λ* = ‖a‖/√(2ε) − 1 = 2
        double[] a = {2, 1, -2};
        Tensor t = Vec.theta(0, 0, 0);
        GradientOracle o = Vec.oracle(t, "forget", Quadratic.ball(a), "retain", Quadratic.ball(0, 0, 0));
        PrimalDual pd = new PrimalDual(0.5, 0.0, 0.5, PrimalDual.Mode.STEP, 0);
        Sgd sgd = new Sgd(0.05);
        for (int s = 0; s < 400; s++) {
            Direction d = pd.direction(o, new StepContext(s, 0, new Rng(0)));
            sgd.step(o.parameters(), d.direction());
        }
        assertThat(maxRelDiff(get(t), scale(1.0 / 3, a))).isLessThan(1e-8);
        assertThat(pd.lambda()).isCloseTo(2.0, offset(1e-7));
    }

    @Test
    void primalDualWarmupAndEpochMode() {
        Tensor t = Vec.theta(X);
        PrimalDual step = new PrimalDual(1.0, 1.0, 3.0, 0.1, PrimalDual.Mode.STEP, 2);
        double lr = R.value(X);
        step.direction(oracle(t), new StepContext(0, 1, new Rng(0))); // epoch 1 < 2 warm-up epochs
        assertThat(step.lambda()).isEqualTo(3.0);
        Direction d = step.direction(oracle(t), new StepContext(5, 2, new Rng(0)));
        double lambda = Math.max(0, 3.0 + 0.1 * (lr - 1.0));
        assertThat(step.lambda()).isEqualTo(lambda);
        // direction = γ g_f + λ g_r with the λ before this step's dual update (simultaneous descent-ascent)
        assertThat(maxRelDiff(get(d.direction()), axpy(F.grad(X), 3.0, R.grad(X)))).isLessThan(1e-14);

        PrimalDual epoch = new PrimalDual(1.0, 1.0, 3.0, 0.1, PrimalDual.Mode.EPOCH, 0);
        epoch.direction(oracle(t), new StepContext(0, 0, new Rng(0)));
        epoch.direction(oracle(t), new StepContext(1, 0, new Rng(0)));
        assertThat(epoch.lambda()).isEqualTo(3.0);
        epoch.endEpoch(0);
        assertThat(epoch.lambda()).isCloseTo(3.0 + 0.1 * (lr - 1.0), offset(1e-14));
        // projection onto λ ≥ 0
        PrimalDual neg = new PrimalDual(1.0, 100.0, 0.5, 1.0, PrimalDual.Mode.STEP, 0);
        neg.direction(oracle(t), CTX);
        assertThat(neg.lambda()).isEqualTo(0.0);
    }

    @Test
    void samPerturbsOnlyTheChosenObjectiveInClosedForm() {
        double rho = 0.05;
        Tensor t = Vec.theta(X);
        Direction d = Sam.around(new WeightedSum(1.0, 1.0), rho, "forget").direction(oracle(t), CTX);
        double[] gf = F.grad(X);
        double[] eps = scale(rho / norm(gf), gf);
        double[] gSam = F.grad(axpy(X, 1, eps)); // A(θ + ρ g/‖g‖) − b
        assertThat(maxRelDiff(get(d.direction()), axpy(gSam, 1.0, R.grad(X)))).isLessThan(1e-14);
        assertThat(d.metrics().get("loss/forget")).isCloseTo(F.value(X), offset(1e-13));
        assertThat(d.metrics().get("sam/forget/loss_perturbed")).isCloseTo(F.value(axpy(X, 1, eps)), offset(1e-13));
        assertThat(get(t)).containsExactly(X); // θ restored bit for bit
    }

    @Test
    void samAroundBilevelAndPrimalDualCompose() {
        double rho = 0.01;
        double[] gf = F.grad(X);
        double[] gSam = F.grad(axpy(X, rho / norm(gf), gf));
        Tensor t = Vec.theta(X);
        double[] dir = get(Sam.around(new Bilevel(1.0), rho, "forget").direction(oracle(t), CTX).direction());
        assertThat(dot(dir, gSam)).isCloseTo(dot(gSam, gSam), offset(1e-12 * dot(gSam, gSam)));
        double[] gr = R.grad(X);
        assertThat(maxRelDiff(dir, axpy(gr, 1.0 - dot(gr, gSam) / dot(gSam, gSam), gSam))).isLessThan(1e-13);

        PrimalDual pd = new PrimalDual(1.0, 0.0, 2.0, 0.0, PrimalDual.Mode.STEP, 0);
        double[] pdDir = get(Sam.around(pd, rho, "forget").direction(oracle(t), CTX).direction());
        assertThat(maxRelDiff(pdDir, axpy(gSam, 2.0, gr))).isLessThan(1e-14);
    }

    @Test
    void randomizedSmoothingIsExactOnLinearAndUnbiasedOnQuadratic() {
        // linear L = c − bᵀθ: every sample has gradient −b
        Quadratic lin = new Quadratic(new double[3][3], new double[] {1, 2, 3}, 0);
        Tensor t = Vec.theta(X);
        GradientOracle o = Vec.oracle(t, "forget", lin, "retain", R);
        Direction d = RandomizedSmoothing.around(new WeightedSum(1.0, 0.0), 0.3, 5, "forget").direction(o, CTX);
        assertThat(maxRelDiff(get(d.direction()), lin.grad(X))).isLessThan(1e-15);
        assertThat(get(t)).containsExactly(X);
        // quadratic: E[L(θ+ξ)] = L(θ) + σ²/2·tr(A) (shift 0.75 here), E[∇L(θ+ξ)] = ∇L(θ); Monte Carlo, n = 1000
        double sigma = 0.5;
        int n = 1000;
        Direction q = RandomizedSmoothing.around(new WeightedSum(1.0, 0.0), sigma, n)
                .direction(oracle(t), new StepContext(0, 0, new Rng(123)));
        double wantLoss = F.value(X) + sigma * sigma / 2 * F.trace();
        // std of the loss mean ≈ σ‖∇L‖/√n ≈ 0.06; of each gradient entry ≈ σ‖A_i‖/√n ≈ 0.05 (‖∇L‖ ≈ 4)
        assertThat(q.metrics().get("loss/forget")).isCloseTo(wantLoss, offset(0.25));
        assertThat(maxRelDiff(get(q.direction()), F.grad(X))).isLessThan(0.05);
    }

    @Test
    void gradNormPenaltyHasTheAnalyticGradient() {
        double rho = 0.3;
        Tensor t = Vec.theta(X);
        Direction d = GradNormPenalty.around(new WeightedSum(1.0, 0.0), rho, 1e-3, "forget").direction(oracle(t), CTX);
        double[] g = F.grad(X);
        // ∇(L + ρ‖∇L‖) = g + ρ A g/‖g‖
        double[] want = axpy(g, rho / norm(g), F.mul(g));
        assertThat(maxRelDiff(get(d.direction()), want)).isLessThan(1e-10);
        double[] numeric = Vec.numericGrad(x -> F.value(x) + rho * norm(F.grad(x)), X, 1e-6);
        assertThat(maxRelDiff(get(d.direction()), numeric)).isLessThan(1e-8);
        assertThat(d.metrics().get("loss/forget")).isCloseTo(F.value(X) + rho * norm(g), offset(1e-12));
        assertThat(get(t)).containsExactly(X);
    }

    @Test
    void curvatureRegularizationIsTrulyDifferentiable() {
        double rho = 2.0;
        double h = 0.01;
        Tensor t = Vec.theta(X);
        Direction d = CurvatureRegularization.around(new WeightedSum(1.0, 0.0), rho, h, "forget")
                .direction(oracle(t), CTX);
        // P(θ) = L(θ) + ρ‖∇L(θ + h g/‖g‖) − ∇L(θ)‖, differentiated numerically in plain Java
        java.util.function.ToDoubleFunction<double[]> p = x -> {
            double[] g = F.grad(x);
            double[] u = axpy(F.grad(axpy(x, h / norm(g), g)), -1, g);
            return F.value(x) + rho * norm(u);
        };
        double[] numeric = Vec.numericGrad(p, X, 1e-6);
        assertThat(maxRelDiff(get(d.direction()), numeric)).isLessThan(1e-8);
        assertThat(d.metrics().get("loss/forget")).isCloseTo(p.applyAsDouble(X), offset(1e-12));
        assertThat(get(t)).containsExactly(X);
    }

    @Test
    void weightAveragingIsTheMeanOfTheRecordedIterates() {
        Tensor t = Vec.theta(X);
        GradientOracle o = oracle(t);
        WeightAveraging wa = WeightAveraging.around(new WeightedSum(1.0, 0.5), 3, 2);
        Sgd sgd = new Sgd(0.05, 0.9, 0, 0, false);
        double[] sum = new double[3];
        int recorded = 0;
        for (int s = 0; s < 12; s++) {
            StepContext ctx = new StepContext(s, 0, new Rng(0));
            sgd.step(o.parameters(), wa.direction(o, ctx).direction());
            wa.afterStep(o.parameters(), ctx);
            int done = s + 1;
            if (done >= 3 && (done - 3) % 2 == 0) { // steps 3, 5, 7, 9, 11
                sum = axpy(sum, 1, get(t));
                recorded++;
            }
        }
        assertThat(recorded).isEqualTo(5);
        assertThat(wa.count()).isEqualTo(5);
        assertThat(maxRelDiff(get(wa.average()), scale(1.0 / recorded, sum))).isLessThan(1e-14);
        // state round trip
        WeightAveraging copy = WeightAveraging.around(new WeightedSum(1.0, 0.5), 3, 2);
        copy.loadState(wa.state());
        assertThat(get(copy.average())).containsExactly(get(wa.average()));
        assertThat(copy.count()).isEqualTo(5);
    }

    @Test
    void weightAveragingInsideAnotherWrapperStillPutsTheAverageInPlaceAtTheEnd() {
        Tensor t = Vec.theta(X);
        GradientOracle o = oracle(t);
        WeightAveraging wa = WeightAveraging.around(new WeightedSum(1.0, 0.5), 2, 1);
        UpdateRule outer = Sam.around(wa, 0.01, "forget"); // WA is not the outermost rule
        Sgd sgd = new Sgd(0.05, 0.9, 0, 0, false);
        double[] sum = new double[3];
        for (int s = 0; s < 6; s++) {
            StepContext ctx = new StepContext(s, 0, new Rng(0));
            sgd.step(o.parameters(), outer.direction(o, ctx).direction());
            outer.afterStep(o.parameters(), ctx);
            if (s + 1 >= 2) { // steps 2..6 are recorded
                sum = axpy(sum, 1, get(t));
            }
        }
        assertThat(wa.count()).isEqualTo(5);
        double[] last = get(t);
        outer.finish(o.parameters());
        assertThat(maxRelDiff(get(t), scale(1.0 / 5, sum))).isLessThan(1e-14);
        assertThat(maxRelDiff(get(t), last)).as("the final iterate was replaced").isGreaterThan(1e-6);
    }
}
